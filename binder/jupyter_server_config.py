# Jupyter Server on Binder (binder/postBuild copies this to ~/.jupyter/): kernels that no notebook tab uses are
# shut down once idle for a minute, so a learner who opens chapter after chapter stays within Binder's 2 GB.
c = get_config()  # noqa: F821
c.MappingKernelManager.cull_idle_timeout = 60   # seconds idle (no code running) before a kernel is culled...
c.MappingKernelManager.cull_connected = False   # ...if no tab is connected to it: an open chapter keeps its kernel
c.MappingKernelManager.cull_interval = 15       # how often the server looks
c.MappingKernelManager.cull_busy = False        # a chapter still running is never culled
