"""One module per vendor; each channel renders a :class:`~openevent.notify.message.Message`,
sends it and classifies the vendor's answer into an :class:`~openevent.notify.outcome.Outcome`."""
