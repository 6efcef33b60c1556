"""The front door: every request -- CLI, Python, HTTP, app -- takes this one road.

``Service(data).recommend(picks, Settings(...))`` parses the picks (`picks`), resolves them
with the dataset's title index, validates the settings (`request`), loads or fits the model
(`movierec.models.trained`), recommends and answers one `Answer`; anything wrong is one
`ServiceError` with a code, a message naming the bad value, and suggestions. `recommend` is
the same as a plain function with one cached `Service` per dataset (`movierec.recommend`).
Nothing here imports Gradio.
"""

from movierec.service.answer import Answer, MovieResult
from movierec.service.api import recommend, search, service_for, together
from movierec.service.core import Service
from movierec.service.errors import ServiceError
from movierec.service.methods import DEFAULT_METHOD, MethodChoice, method_choices, parse_method
from movierec.service.picks import PickSpec, parse_pick, parse_picks_text
from movierec.service.request import DEFAULT_K, MAX_K, Settings

__all__ = ["Answer", "DEFAULT_K", "DEFAULT_METHOD", "MAX_K", "MethodChoice", "MovieResult",
           "PickSpec", "Service", "ServiceError", "Settings", "method_choices", "parse_method",
           "parse_pick", "parse_picks_text", "recommend", "search", "service_for", "together"]
