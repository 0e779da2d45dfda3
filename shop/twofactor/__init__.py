"""Two-factor sign-in (TOTP) for staff who can read health data.

Pharmacists and superusers see prescriptions: a stolen password alone must not
open them. Once such a user has signed in, the dashboard, Django's admin and
the prescription pages ask for a code from their authenticator app before
anything else (the first time, they show how to set one up); the shop's own
pages, which show only the user's own things, stay open. ``settings.SHOP_STAFF_TWO_FACTOR`` says whether it is required:
in production always; in the demo and the tests only for those who set it up
(the demo accounts sign in with their password alone, as the README shows).
The devices and codes are django-otp's (``otp_totp``).
"""
