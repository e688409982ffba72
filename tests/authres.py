"""Trace headers as real receiving servers write them, for Alice's reply to Dana Cc'd to Ben
and for forgeries of it: what decides whether our own server vouches for the sender.

Each block is prepended to an RFC 5322 message (top first, as delivered into Ben's mailbox).
"""

from __future__ import annotations

#: Google Workspace: Alice's reply delivered into Ben's Gmail. Google writes its
#: Authentication-Results below the Received of the hop into mx.google.com.
GMAIL_OURS = """\
Delivered-To: ben.okafor@northwind-advisory.example
Received: by 2002:a05:7300:8b0c:b0:13f:6d22:2b4a with SMTP id hx12csp2451107dyb;
        Thu, 4 Jun 2026 02:14:07 -0700 (PDT)
X-Received: by 2002:a17:907:7d8a:b0:a6f:1c0e:5b1d with SMTP id oz10-20020a1709077d8a00b00a6f1c0e5b1dmr771384ejc.41.1780564447338;
        Thu, 04 Jun 2026 02:14:07 -0700 (PDT)
ARC-Seal: i=1; a=rsa-sha256; t=1780564447; cv=none;
        d=google.com; s=arc-20160816;
        b=kT3m0QbX1Vw9m2hH6sJ0c4rA8u7pQ1yN2eZ5dC7fF3gH9kL0mN1pQ2rS3tU4vW5xY6z
ARC-Authentication-Results: i=1; mx.google.com;
       dkim=pass header.i=@northwind-advisory.example header.s=google header.b=Qx3h1mZa;
       spf=pass (google.com: domain of alice.marsh@northwind-advisory.example designates 209.85.220.41 as permitted sender) smtp.mailfrom=alice.marsh@northwind-advisory.example;
       dmarc=pass (p=QUARANTINE sp=QUARANTINE dis=NONE) header.from=northwind-advisory.example
Return-Path: <alice.marsh@northwind-advisory.example>
Received: from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41])
        by mx.google.com with SMTPS id a640c23a62f3a-a6f0d4b0e2esor1204466b.8.2026.06.04.02.14.07
        for <ben.okafor@northwind-advisory.example>
        (Google Transport Security);
        Thu, 04 Jun 2026 02:14:07 -0700 (PDT)
Received-SPF: pass (google.com: domain of alice.marsh@northwind-advisory.example designates 209.85.220.41 as permitted sender) client-ip=209.85.220.41;
Authentication-Results: mx.google.com;
       dkim=pass header.i=@northwind-advisory.example header.s=google header.b=Qx3h1mZa;
       spf=pass (google.com: domain of alice.marsh@northwind-advisory.example designates 209.85.220.41 as permitted sender) smtp.mailfrom=alice.marsh@northwind-advisory.example;
       dmarc=pass (p=QUARANTINE sp=QUARANTINE dis=NONE) header.from=northwind-advisory.example
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;
        d=northwind-advisory.example; s=google; t=1780564446; x=1781169246;
        h=to:subject:message-id:date:from:in-reply-to:references:mime-version;
        bh=3q8vXz0mYk1fP2wR7tS9uV0xA1bC2dE3fG4hI5jK6lM=;
        b=Zk2p9QeRm1T0vX3yB5nC7dF9gH1jK3lM5nP7qR9sT1uV3wX5yZ7aB9cD1eF3gH5
X-Google-Smtp-Source: AGHT+IFq1x2Y3z4A5b6C7d8E9f0G1h2I3j4K5l6M7n8O9p0Q
X-Received: by 2002:a17:906:6a1b:b0:a6f:2d3e:4f5a with SMTP id q27-20020a1709066a1b00b00a6f2d3e4f5amr1018551ejs.20.1780564446123;
        Thu, 04 Jun 2026 02:14:06 -0700 (PDT)
"""

#: Postfix + OpenDKIM + OpenDMARC at mx.northwind-advisory.example, delivered by Dovecot LMTP:
#: the milters' Authentication-Results sit above Postfix's Received.
POSTFIX_OURS = """\
Return-Path: <alice.marsh@northwind-advisory.example>
Delivered-To: ben.okafor@northwind-advisory.example
Received: from mx.northwind-advisory.example
\tby imap.northwind-advisory.example with LMTP
\tid 8Hn0L1VDVGbTMwAAqJ1Gxg
\t(envelope-from <alice.marsh@northwind-advisory.example>)
\tfor <ben.okafor@northwind-advisory.example>; Thu, 04 Jun 2026 10:14:07 +0100
Authentication-Results: mx.northwind-advisory.example; dmarc=pass (p=reject dis=none) header.from=northwind-advisory.example
Authentication-Results: mx.northwind-advisory.example;
\tdkim=pass (2048-bit key; unprotected) header.d=northwind-advisory.example header.i=@northwind-advisory.example header.a=rsa-sha256 header.s=mail header.b=Zk2p9QeR;
\tdkim-atps=neutral
Received: from smtp.northwind-advisory.example (smtp.northwind-advisory.example [192.0.2.25])
\tby mx.northwind-advisory.example (Postfix) with ESMTPS id 4Vq2Lm0Xk1z9sRt
\tfor <ben.okafor@northwind-advisory.example>; Thu, 04 Jun 2026 10:14:06 +0100 (BST)
"""

#: A forgery sent from outside through the forger's own relay, carrying Authentication-Results
#: that claim our authserv-id, below the forger's hop; our server did not stamp it.
POSTFIX_FORGED_BELOW_OUTSIDE_HOP = """\
Return-Path: <alice.marsh@northwind-advisory.example>
Delivered-To: ben.okafor@northwind-advisory.example
Received: from mx.northwind-advisory.example
\tby imap.northwind-advisory.example with LMTP
\tid 9Jp1M2WEWHcUNxAAqJ1Gxg
\tfor <ben.okafor@northwind-advisory.example>; Thu, 04 Jun 2026 10:14:07 +0100
Received: from smtp.bulk-relay.example (smtp.bulk-relay.example [203.0.113.77])
\tby mx.northwind-advisory.example (Postfix) with ESMTPS id 4Vq2Lm0Xk9zFRGD
\tfor <ben.okafor@northwind-advisory.example>; Thu, 04 Jun 2026 10:14:06 +0100 (BST)
Received: from [192.168.1.20] (unknown [198.51.100.23])
\tby smtp.bulk-relay.example (Postfix) with ESMTPSA id 7C1A2E0F3B
\tfor <ben.okafor@northwind-advisory.example>; Thu, 04 Jun 2026 09:14:05 +0000 (UTC)
Authentication-Results: mx.northwind-advisory.example; dmarc=pass (p=reject dis=none) header.from=northwind-advisory.example
Authentication-Results: mx.northwind-advisory.example;
\tdkim=pass (2048-bit key; unprotected) header.d=northwind-advisory.example header.i=@northwind-advisory.example
"""

#: A forgery sent straight to our MX with a forged "pass": OpenDMARC stamps the truth on top.
POSTFIX_FORGED_DMARC_FAIL = """\
Return-Path: <alice.marsh@northwind-advisory.example>
Delivered-To: ben.okafor@northwind-advisory.example
Received: from mx.northwind-advisory.example
\tby imap.northwind-advisory.example with LMTP
\tid AKq2N3XFXIdVOyAAqJ1Gxg
\tfor <ben.okafor@northwind-advisory.example>; Thu, 04 Jun 2026 10:14:07 +0100
Authentication-Results: mx.northwind-advisory.example; dmarc=fail (p=reject dis=none) header.from=northwind-advisory.example
Authentication-Results: mx.northwind-advisory.example;
\tdkim=none; dkim-atps=neutral
Received: from smtp.bulk-relay.example (smtp.bulk-relay.example [203.0.113.77])
\tby mx.northwind-advisory.example (Postfix) with ESMTPS id 4Vq2Lm0Xk7zHQWE
\tfor <ben.okafor@northwind-advisory.example>; Thu, 04 Jun 2026 10:14:06 +0100 (BST)
Authentication-Results: mx.northwind-advisory.example; dmarc=pass (p=reject dis=none) header.from=northwind-advisory.example
"""

#: Microsoft 365 (Exchange Online Protection): no authserv-id, so nothing names it as ours.
MICROSOFT_365 = """\
Received: from AM9PR02MB7201.eurprd02.prod.outlook.com (2603:10a6:20b:3c1::9)
 by PA4PR02MB6782.eurprd02.prod.outlook.com with HTTPS; Thu, 4 Jun 2026 09:14:08
 +0000
Received: from DU2PEPF00028D0B.eurprd03.prod.outlook.com (2603:10a6:10:2c2::11)
 by AM9PR02MB7201.eurprd02.prod.outlook.com (2603:10a6:20b:3c1::9) with
 Microsoft SMTP Server (version=TLS1_2,
 cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.7633.22; Thu, 4 Jun
 2026 09:14:07 +0000
Authentication-Results: spf=pass (sender IP is 192.0.2.25)
 smtp.mailfrom=northwind-advisory.example; dkim=pass (signature was verified)
 header.d=northwind-advisory.example;dmarc=pass action=none
 header.from=northwind-advisory.example;compauth=pass reason=100
Received-SPF: Pass (protection.outlook.com: domain of northwind-advisory.example
 designates 192.0.2.25 as permitted sender) receiver=protection.outlook.com;
 client-ip=192.0.2.25; helo=smtp.northwind-advisory.example; pr=C
Received: from smtp.northwind-advisory.example (192.0.2.25) by
 DU2PEPF00028D0B.mail.protection.outlook.com (10.167.242.171) with Microsoft SMTP
 Server (version=TLS1_3, cipher=TLS_AES_256_GCM_SHA384) id 15.20.7633.15 via
 Frontend Transport; Thu, 4 Jun 2026 09:14:07 +0000
"""


def with_trace(trace: str, message: bytes) -> bytes:
    """``message`` as delivered: the trace block (LF line ends) prepended with CRLF."""
    return trace.replace("\n", "\r\n").encode("ascii") + message


def fields(trace: str) -> list[tuple[str, str]]:
    """The (name, value) fields of a trace block, top first, as a header parser gives them."""
    found: list[tuple[str, str]] = []
    for line in trace.splitlines():
        if line[:1] in (" ", "\t") and found:
            name, value = found[-1]
            found[-1] = (name, value + "\n" + line)
        else:
            name, _, value = line.partition(":")
            found.append((name, value.strip()))
    return found
