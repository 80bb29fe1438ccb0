"""OneRoster 1.1/1.2 rostering: URL handling, OAuth2 tokens, paging, and record parsing."""
