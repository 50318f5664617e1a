"""packs/frontdoor"""
