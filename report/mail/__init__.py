"""Turn built editions into delivered messages: the recipients file, messages, SMTP and the
delivery ledger."""
