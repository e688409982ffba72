"""German: Outlook "Von:/Gesendet:", Gmail "Am … schrieb …:", mobile "Von meinem iPhone gesendet"."""

from monitor.core.quoting.table import Table

TABLE = Table(
    language="de",
    from_=("Von",),
    sent=("Gesendet", "Datum"),
    to=("An",),
    cc=("Cc", "Kopie"),
    subject=("Betreff",),
    banners=(
        "Ursprüngliche Nachricht",
        "Originalnachricht",
        "Weitergeleitete Nachricht",
        "Weitergeleitet von",
    ),
    forward_intros=("Anfang der weitergeleiteten Nachricht:",),
    attribution_starts=("Am",),
    wrote=("schrieb",),
    mobile=("Von meinem", "Gesendet von meinem", "Gesendet von Mail für Windows", "Outlook für"),
    valedictions=(
        "mit freundlichen grüßen",
        "mit freundlichen grüssen",
        "freundliche grüße",
        "freundliche grüsse",
        "viele grüße",
        "viele grüsse",
        "beste grüße",
        "beste grüsse",
        "schöne grüße",
        "liebe grüße",
        "herzliche grüße",
        "grüße",
        "gruß",
        "mfg",
        "lg",
        "vg",
        "danke",
        "vielen dank",
    ),
    not_in_names=("ihr", "ihre", "ihren", "unser", "unsere", "uns", "und", "für"),
)
