"""Announcements to a program, track, module or group; and participants' message threads with their trainers
and coordinators."""
