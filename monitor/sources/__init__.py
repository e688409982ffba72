"""Where mail comes from: parsing (pure), local files, IMAP, Microsoft Graph."""
