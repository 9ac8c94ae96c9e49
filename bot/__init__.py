"""Discord side of mle-roadmap-bot: the only package that imports discord.

Nothing happens at import time; ``bot.__main__`` builds settings and wires everything.
"""
