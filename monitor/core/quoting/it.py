"""Italian: Outlook "Da:/Inviato:", Gmail "Il … ha scritto:", mobile "Inviato da iPhone"."""

from monitor.core.quoting.table import Table

TABLE = Table(
    language="it",
    from_=("Da",),
    sent=("Inviato", "Data"),
    to=("A",),
    cc=("Cc",),
    subject=("Oggetto",),
    banners=("Messaggio originale", "Messaggio inoltrato"),
    forward_intros=("Inizio messaggio inoltrato:",),
    attribution_starts=("Il",),
    wrote=("ha scritto",),
    mobile=("Inviato da", "Inviato dal mio"),
    valedictions=("cordiali saluti", "distinti saluti", "saluti", "grazie", "un saluto"),
    answers=(
        "d'accordo",
        "approvato",
        "confermato",
        "perfetto",
        "sì",
        "no",
        "ricevuto",
        "capito",
        "fatto",
    ),
    speaker_words=(
        "io",
        "mi",
        "mio",
        "mia",
        "noi",
        "ci",
    ),
    lists=("distribuzione", "lista di distribuzione", "partecipanti", "destinatari"),
)
