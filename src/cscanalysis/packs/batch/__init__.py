"""packs/batch"""
