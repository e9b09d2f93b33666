"""amplify — who amplified a claim on Telegram, how fast, and to how many eyes.

The library reads a store of collected channel posts (:mod:`amplify.store`), links
reposts into cascades (:mod:`amplify.cascades`), measures them (:mod:`amplify.metrics`)
and writes reports. It never touches the network; :mod:`collectors` does that.
"""

__version__ = "0.1.0"
