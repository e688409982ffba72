"""Spanish: Outlook "De:/Enviado el:", Gmail "El … escribió:", mobile "Enviado desde mi iPhone"."""

from monitor.core.quoting.table import Table

TABLE = Table(
    language="es",
    from_=("De",),
    sent=("Enviado el", "Enviado", "Fecha"),
    to=("Para",),
    cc=("CC",),
    subject=("Asunto",),
    banners=("Mensaje original", "Mensaje reenviado"),
    forward_intros=("Inicio del mensaje reenviado:",),
    attribution_starts=("El",),
    wrote=("escribió", "escribio"),
    mobile=("Enviado desde mi", "Obtener Outlook para"),
    valedictions=(
        "saludos",
        "un saludo",
        "saludos cordiales",
        "atentamente",
        "un abrazo",
        "gracias",
        "muchas gracias",
    ),
    answers=(
        "de acuerdo",
        "aprobado",
        "confirmado",
        "entendido",
        "perfecto",
        "sí",
        "no",
        "listo",
        "hecho",
        "recibido",
        "vale",
        "correcto",
    ),
    speaker_words=(
        "yo",
        "me",
        "mi",
        "mis",
        "nos",
        "nosotros",
        "usted",
    ),
)
