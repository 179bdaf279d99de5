"""Salesforce: leads, accounts, opportunities and campaigns through simple-salesforce."""
