"""Neighbours read less often: Swedish, Danish, Norwegian, Polish, Russian, Czech, Japanese, Korean."""

from monitor.core.quoting.table import Table

TABLE = Table(
    language="other",
    from_=("Från", "Fra", "Od", "От"),
    sent=("Skickat", "Sendt", "Wysłano", "Отправлено"),
    to=("Till", "Til", "Do", "Кому"),
    subject=("Ämne", "Emne", "Temat", "Тема"),
    banners=(
        "Ursprungligt meddelande",
        "Opprinnelig melding",
        "Oprindelig meddelelse",
        "Wiadomość oryginalna",
        "Vidarebefordrat meddelande",
    ),
    attribution_starts=("Den", "På", "Dne", "W dniu"),
    wrote=("skrev", "napisał", "napisal", "написал", "написала", "が書きました", "작성"),
    valedictions=("med vänliga hälsningar", "hälsningar", "med venlig hilsen", "mvh"),
)
