"""Dutch: Outlook "Van:/Verzonden:", Gmail "Op … schreef …:", mobile "Verzonden vanaf mijn iPhone"."""

from monitor.core.quoting.table import Table

TABLE = Table(
    language="nl",
    from_=("Van",),
    sent=("Verzonden", "Datum"),
    to=("Aan",),
    cc=("CC",),
    subject=("Onderwerp",),
    banners=("Oorspronkelijk bericht", "Doorgestuurd bericht"),
    forward_intros=("Begin doorgestuurd bericht:",),
    attribution_starts=("Op",),
    wrote=("schreef",),
    mobile=("Verzonden vanaf mijn", "Verstuurd vanaf mijn", "Verzonden met"),
    valedictions=("met vriendelijke groet", "vriendelijke groet", "groeten", "groet", "bedankt"),
    answers=(
        "akkoord",
        "prima",
        "goedgekeurd",
        "ja",
        "nee",
        "begrepen",
        "klopt",
        "ontvangen",
        "gedaan",
    ),
    speaker_words=(
        "ik",
        "mij",
        "me",
        "mijn",
        "wij",
        "ons",
        "jij",
        "je",
    ),
    lists=("verdeellijst", "verdeling", "deelnemers", "aanwezigen", "ontvangers"),
)
