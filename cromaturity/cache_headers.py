"""Keeping the app's pages out of browser and shared caches.

Every response Django makes carries ``Cache-Control: private, no-store``:
signed-in pages, downloads and API answers hold an organisation's data, and a
copy kept by a proxy, a CDN or the browser's disk would outlive signing out, a
revoked API key or a member's removal. Share-link pages are public, yet they
show one organisation's scorecard behind a token that can expire or be revoked,
so no cache may keep them either. The sign-in and password pages carry a CSRF
token and are not worth caching. Static files never reach Django's middleware
(WhiteNoise and the development server answer them first) and keep their own
long-lived headers.
"""

from django.utils.cache import patch_cache_control


class PrivateNoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A view's own stricter header (never_cache) is kept and completed.
        patch_cache_control(response, private=True, no_store=True)
        return response
