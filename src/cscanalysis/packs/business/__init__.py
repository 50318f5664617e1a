"""packs/business"""
