"""Chinese: Outlook "发件人:/发送时间:", "在 … 写道：", mobile "发自我的iPhone"; traditional forms too."""

from monitor.core.quoting.table import Table

TABLE = Table(
    language="zh",
    from_=("发件人", "發件人", "寄件者"),
    sent=("发送时间", "發送時間", "寄件日期", "日期", "时间"),
    to=("收件人", "收件者"),
    cc=("抄送", "副本"),
    subject=("主题", "主題", "主旨"),
    banners=("原始邮件", "原始郵件", "转发的邮件", "轉寄的郵件"),
    attribution_starts=("在",),
    wrote=("写道", "寫道"),
    mobile=("发自我的", "從我的", "来自我的", "來自我的"),
    valedictions=("此致", "敬礼", "祝好", "顺祝商祺", "谢谢", "多谢", "祝一切顺利"),
    answers=(
        "好的",
        "同意",
        "收到",
        "明白",
        "可以",
        "没问题",
        "已完成",
        "已收到",
    ),
    lists=("分发", "分发列表", "参会人员", "与会者", "参与者"),
)
