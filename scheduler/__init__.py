"""When and what to post: pure planning plus a runner that talks to Discord through a port."""
