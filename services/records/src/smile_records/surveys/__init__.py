"""surveys"""
