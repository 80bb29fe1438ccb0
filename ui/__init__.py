"""The Qt user interface (wizard, main window, tray). Only this package imports Qt widgets."""
