"""The customer dossier: customers, phones, shareholders, fleet, operators, projects."""
