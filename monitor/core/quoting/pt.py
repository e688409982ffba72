"""Portuguese: Outlook "De:/Enviado:", Gmail "Em … escreveu:", mobile "Enviado do meu iPhone"."""

from monitor.core.quoting.table import Table

TABLE = Table(
    language="pt",
    from_=("De",),
    sent=("Enviado", "Enviada em", "Enviado em", "Data"),
    to=("Para",),
    cc=("Cc",),
    subject=("Assunto",),
    banners=("Mensagem original", "Mensagem encaminhada"),
    forward_intros=("Início da mensagem reencaminhada:", "Início da mensagem encaminhada:"),
    attribution_starts=("Em",),
    wrote=("escreveu",),
    mobile=("Enviado do meu", "Enviado de meu", "Enviado do"),
    valedictions=("atenciosamente", "cumprimentos", "abraços", "obrigado", "obrigada"),
    answers=(
        "de acordo",
        "aprovado",
        "confirmado",
        "perfeito",
        "sim",
        "não",
        "recebido",
        "entendido",
        "feito",
        "combinado",
    ),
    speaker_words=(
        "eu",
        "me",
        "meu",
        "minha",
        "nós",
        "você",
    ),
    lists=("distribuição", "lista de distribuição", "participantes", "destinatários"),
)
