//! Local AWS emulator lifecycle (moto server in a project venv, stopped by PID) and a loopback fault-injection proxy.
