"""Server settings for the UI tests (run-ui-tests.sh sets the environment).

Never use these settings for real work: no token, no password, no XSRF check,
and the app object is exposed to page scripts for the tests to drive.
"""

import os

c = get_config()  # noqa: F821  # provided by Jupyter when it loads this file

c.ServerApp.ip = "127.0.0.1"
c.ServerApp.port = int(os.environ["JUPYTER_GEMINI_UI_PORT"])
c.ServerApp.port_retries = 0
c.ServerApp.open_browser = False
c.ServerApp.allow_root = True  # CI runs as root
c.ServerApp.root_dir = os.environ["JUPYTER_GEMINI_UI_ROOT"]
c.IdentityProvider.token = ""
c.ServerApp.password = ""
c.ServerApp.disable_check_xsrf = True
# window.jupyterapp: the tests run cells and read cell sources through the app's own API.
c.LabApp.expose_app_in_browser = True
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
c.LabApp.news_url = None
