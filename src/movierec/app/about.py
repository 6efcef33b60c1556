"""The About tab's words: what each method does, for people rather than for papers.

One paragraph per registry name; the one-line summary comes from
`movierec.models.registry.DESCRIPTIONS`, so the menu, the CLI and this page agree.
"""

from __future__ import annotations

PARAGRAPHS: dict[str, str] = {
    "popularity": "Mostly ignores your picks and ranks movies by an IMDb-style weighted rating: a "
                  "high average only counts once enough people voted. A baseline every other "
                  "method has to beat, and a safe answer when nothing else knows your movies.",
    "content": "Reads what each movie is about: genres, keywords, director, cast, collection "
               "and plot words, weighted so rare words matter more (TF-IDF). It recommends "
               "movies whose description resembles your picks, so it works for movies nobody "
               "has rated yet.",
    "embeddings": "Turns every plot summary into a point in a meaning space with a small "
                  "sentence-embedding model (MiniLM, run locally). Movies with similar stories "
                  "are close even when they share no words.",
    "cluster": "Groups all movies into taste clusters (k-means over each movie's content or "
               "rating vectors), named after what is distinctive in them. "
               "*same* stays inside the clusters of your picks, *explore* steps into "
               "neighbouring clusters to widen your taste, *centres* shows the most typical "
               "movie of each of your clusters.",
    "item_knn": "Finds movies that the same people rated the way they rated your picks "
                "(item-item cosine neighbours). The classic \"people who liked this also "
                "liked\" list, explained by the pick each movie is closest to.",
    "user_knn": "Finds people in the ratings whose taste overlaps yours the most and "
                "recommends what they loved that you have not named.",
    "als": "Learns a few hidden taste factors for every movie from who watched what "
           "(alternating least squares on implicit feedback), then places you among them from "
           "your picks alone.",
    "ease": "A linear model that learns, for every movie, how much each other movie predicts "
            "it (EASE). Simple, fast and often the strongest collaborative method on small data.",
    "svd": "Predicts the star rating you would give each movie (biased matrix factorisation), "
           "then recommends the highest predictions; good at stars, less so at surprising you.",
    "nmf": "Like svd, but the taste factors are non-negative, which makes them easier to read "
           "as parts of a taste.",
    "graph": "Random walks from your picks through the graph of people and movies (RP3beta), "
             "damped so blockbusters do not win every walk.",
    "hybrid": "The default: a collaborative model blended with content similarity, with the "
              "blend weight chosen on held-out people. It gives the collaborative method's "
              "accuracy where ratings exist and falls back to content for movies nobody rated.",
    "mlp": "A small neural network over user and movie embeddings plus side features, "
           "trained to predict star ratings.",
    "ncf": "Neural collaborative filtering: learns to tell the movies people watched from "
           "hard negative examples they skipped.",
    "vae": "A variational autoencoder that squeezes a person's liked movies into a small code "
           "and decodes it into a probability for every movie (Mult-VAE).",
    "sasrec": "Reads your picks in order and predicts what comes next, with self-attention "
              "over the sequence (SASRec).",
}


def about_markdown(methods: list[str] | None = None) -> str:
    """Markdown for the About tab (our own text, no data strings)."""
    from movierec.models.registry import DESCRIPTIONS

    names = methods or list(DESCRIPTIONS)
    lines = [
        "## How movierec works",
        "You name three or more movies you love (typos are fine). movierec finds what "
        "you probably mean, builds a small *profile* from your picks, ratings and thumbs, "
        "and asks one of the methods below to score every movie in the catalog. The same "
        "`recommend()` runs in the app, on the command line and in the evaluation, so the "
        "numbers on the Evaluation tab describe exactly what you get here.",
        "",
        "Every recommendation carries a reason taken from the method's own evidence: the "
        "pick it is most similar to and what they share, or what people with your taste "
        "rated it. 👍 and 👎 are folded into your profile at once, and stored anonymously "
        "to evaluate movierec later.",
        "",
        "## The methods",
    ]
    for name in names:
        summary = DESCRIPTIONS.get(name, "")
        lines.append(f"**{name}**: {summary}.  ")
        lines.append(PARAGRAPHS.get(name, ""))
        lines.append("")
    lines += [
        "## Data",
        "Movie metadata comes from TMDb via Kaggle's *The Movies Dataset* (CC0) and ratings "
        "from MovieLens (GroupLens, University of Minnesota). Posters, when shown, are loaded "
        "by your browser from TMDb's image service. This product uses the TMDb API but is "
        "not endorsed or certified by TMDb.",
    ]
    return "\n".join(lines)
