"""Finnish: Outlook "Lähettäjä:/Lähetetty:", "… kirjoitti:", mobile "Lähetetty iPhonesta"."""

from monitor.core.quoting.table import Table

TABLE = Table(
    language="fi",
    from_=("Lähettäjä",),
    sent=("Lähetetty", "Päivämäärä"),
    to=("Vastaanottaja",),
    cc=("Kopio",),
    subject=("Aihe",),
    banners=("Alkuperäinen viesti", "Välitetty viesti"),
    forward_intros=("Välitetty viesti alkaa:",),
    wrote=("kirjoitti",),
    mobile=(
        "Lähetetty iPhonesta",
        "Lähetetty iPadista",
        "Lähetetty Androidista",
        "Lähetetty mobiilista",
        "Lähetetty Samsung",
        "Hanki Outlook",
    ),
    valedictions=(
        "ystävällisin terveisin",
        "terveisin",
        "parhain terveisin",
        "t.",
        "kiitos",
        "kiittäen",
    ),
    answers=(
        "selvä",
        "sovittu",
        "hyväksytty",
        "kyllä",
        "ei",
        "hyvä",
        "tehty",
        "vastaanotettu",
        "selvä juttu",
        "jep",
        "joo",
    ),
)
