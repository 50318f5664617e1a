"""packs/evidence"""
