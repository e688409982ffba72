"""French: Outlook "De :/Envoyé :", Gmail "Le … a écrit :", mobile "Envoyé de mon iPhone"."""

from monitor.core.quoting.table import Table

TABLE = Table(
    language="fr",
    from_=("De",),
    sent=("Envoyé", "Envoye", "Date", "Date d'envoi"),
    to=("À", "A"),
    cc=("Cc", "Copie"),
    subject=("Objet",),
    banners=("Message d'origine", "Message original", "Message transféré"),
    forward_intros=("Début du message réexpédié :", "Début du message transféré :"),
    attribution_starts=("Le",),
    wrote=("a écrit", "a ecrit"),
    mobile=("Envoyé de mon", "Envoyé depuis mon", "Obtenir Outlook pour"),
    valedictions=(
        "cordialement",
        "bien cordialement",
        "bien à vous",
        "salutations",
        "sincères salutations",
        "merci",
        "merci beaucoup",
        "bonne journée",
        "à bientôt",
    ),
    answers=(
        "d'accord",
        "entendu",
        "parfait",
        "oui",
        "non",
        "reçu",
        "compris",
        "validé",
        "approuvé",
        "noté",
        "fait",
        "confirmé",
        "super",
    ),
)
