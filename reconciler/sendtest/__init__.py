"""send-test: a campaign's rendered creatives, pushed to test customer ids only."""
