"""Browser views of the gold-card programme: a scoped object from a selector, a service
call, a page. Split by idea: cards and candidates, the ledger, referrals, the account
lists, the yearly award."""
