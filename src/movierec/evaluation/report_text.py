"""The report's prose: what each method does, why, and how the pieces fit.

Only words live here. Every number the report shows comes from a run (`report.py` fills
them in); a method's settings are read from its config class, not copied into text.
"""

from __future__ import annotations

# name -> (family, how it scores a movie for a person, how a new person is folded in, why)
METHODS: dict[str, tuple[str, str, str, str]] = {
    "popularity": (
        "baseline",
        "IMDb weighted rating v/(v+m)·R + m/(v+m)·C, with m the vote-count percentile; or "
        "rating-count popularity when the catalog has no votes",
        "not personal: the same list for everyone, minus the picks and filters",
        "the bar every personal method must clear, and the cold-start answer"),
    "content": (
        "content-based",
        "cosine similarity of TF-IDF vectors over a metadata soup (genres, keywords, top cast, "
        "director, collection, overview, tagline), fields weighted, noise keywords dropped",
        "the person is the preference-weighted sum of their picks' vectors (dislikes subtract)",
        "knows every movie with metadata, including ones nobody rated; explains itself in "
        "shared genres, people and keywords"),
    "embeddings": (
        "content-based",
        "cosine similarity of all-MiniLM-L6-v2 sentence embeddings of overview + metadata text, "
        "computed once at fit and cached by a hash of the texts",
        "weighted mean of the picks' embeddings (dislikes subtract)",
        "matches plots by meaning, not shared words: a heist film finds heist films that "
        "describe themselves differently"),
    "cluster": (
        "cluster-based",
        "KMeans on reduced content vectors, the number of clusters chosen by mean silhouette; "
        "strategies: same (the picks' clusters), explore (nearby other clusters), centres "
        "(movies nearest the centres of the picks' clusters)",
        "the picks' clusters and positions; no retraining",
        "gives the person control over familiar versus discovery"),
    "item_knn": (
        "collaborative",
        "cosine similarity between movies' rating columns with shrinkage n/(n+λ), top-k "
        "neighbours kept sparse",
        "a person's vector over movies times the sparse similarity matrix",
        "the classic 'people who liked X also liked Y', fast and explainable by the pick"),
    "user_knn": (
        "collaborative",
        "cosine similarity to training people over the picks both rated (mean-centred), "
        "shrunk by the number in common; a movie scores the share of the nearest people who "
        "loved it times the square root of how much more often they loved it than everyone",
        "similarity is computed against the profile directly",
        "'what people with your taste loved', with their ratings as evidence"),
    "als": (
        "collaborative",
        "implicit-feedback matrix factorisation (the `implicit` library's ALS) on confidence "
        "1 + α·r",
        "exact least-squares solve of the person's factors against the fixed movie factors",
        "a strong latent-factor baseline for who-watched-what data"),
    "ease": (
        "collaborative",
        "EASE: closed-form item-item linear model B = I − P·diag(1/diag P), P = (XᵀX + λI)⁻¹ "
        "over the most-rated movies",
        "scores = x·B for the person's vector x",
        "among the most accurate simple models for top-N; one matrix product per request"),
    "svd": (
        "collaborative (rating model)",
        "Bayesian biased matrix factorisation (Gibbs sampling, posterior-mean prediction); "
        "top-N ranks by similarity in its learnt taste space, centred on the rating-weighted "
        "mean movie and shrunk for rarely rated movies; stars via r̂ = μ + b_u + b_i + p_u·q_i",
        "posterior mean of the person's bias and factors given their picks' ratings, per sample",
        "the most accurate rating predictor here; its taste space also serves top-N lists"),
    "nmf": (
        "collaborative (rating model)",
        "non-negative matrix factorisation by regularised multiplicative updates; top-N by "
        "centred taste similarity like svd",
        "non-negative least squares on the picks' ratings",
        "parts-based factors that are easier to read than signed ones"),
    "graph": (
        "graph-based",
        "RP3beta: three-step random-walk probability person → movie → person → movie "
        "(each step's probability to the power α), divided by the destination's popularity "
        "to the power β",
        "the walk starts from the profile's movies",
        "a popularity-corrected random walk, strong on top-N at no training cost"),
    "hybrid": (
        "hybrid",
        "per-person z-scores of a collaborative model (EASE) and content (TF-IDF) mixed with a "
        "weight chosen by NDCG@10 on validation people; cold movies get the collaborative "
        "median so a strongly similar new movie can still surface",
        "both parts fold in as they do alone",
        "collaborative accuracy where there are ratings, content where there are none"),
    "mlp": (
        "neural (rating model)",
        "user and movie embeddings concatenated with side features (genres; age, gender, "
        "occupation when the data has them) through an MLP, MSE loss",
        "only the new person's embedding is optimised on their picks, the network frozen",
        "reproduces a published embedding+MLP baseline, then improves it"),
    "ncf": (
        "neural",
        "NeuMF (GMF + MLP towers) trained on positives (ratings ≥ 4) against sampled "
        "negatives, preferring hard ones (low-rated or high-scoring unrated movies)",
        "only the new person's vector is optimised on their picks (dislikes as negatives)",
        "a learnt, non-linear interaction function for top-N"),
    "vae": (
        "neural",
        "Mult-VAE: a variational autoencoder with a multinomial likelihood over a person's "
        "liked movies, KL annealing",
        "native: the person's pick vector is the encoder's input",
        "state of the art for held-out people with many known movies (Liang et al. 2018)"),
    "sasrec": (
        "neural (sequential)",
        "SASRec: causal self-attention over a person's movies in time order, predicting the "
        "next one",
        "the picks, in the order given, are the sequence",
        "uses the order of what people watched, which the other methods ignore"),
}

PROCEDURE = """\
1. **Titles to movies.** Each typed title goes through the `TitleIndex`: normalised text
   (accents, articles, punctuation folded), a year in the text narrows the match, and
   RapidFuzz scores candidates, tie-broken by popularity. A confident match is taken; an
   ambiguous or unknown title is reported with suggestions and never guessed silently.
2. **A `Profile`.** The picks in the order given, each with an optional star rating or a
   like/dislike flag. Fewer than three picks, or only dislikes, is refused with a reason.
3. **Scores.** The method scores every catalog movie for this person from the profile
   alone (fold-in): no retraining, so a new person gets an answer in milliseconds. NaN marks
   a movie a method cannot score (e.g. one nobody rated, for collaborative methods).
4. **One shared filter and top-k.** The picks are excluded, then the person's filters (era
   or year range, genres in/out, language, minimum votes), then the best *k* are taken. This
   step is the same code for every method.
5. **Explanations.** Each movie gets a reason from the method's own evidence: the pick it
   is closest to and the genres, people and keywords they share; or the people who loved a
   pick and what they gave this movie; or its predicted stars.
6. **Feedback.** A thumbs up/down adds the movie to the profile as liked/disliked, and the
   list is recomputed at once (step 3 again)."""

PROTOCOL = """\
- **Rating prediction** (`--protocol ratings`): ML-100k's predefined u1..u5 folds (each
  rating is tested once); rating models predict every held-out rating; RMSE and MAE, with
  bootstrap CIs over people.
- **Held-out people** (`--protocol heldout-users`): 20% of the people who have enough liked
  movies (rating ≥ 4) are removed from training entirely. Each is folded in from exactly
  3 of their liked movies (the app's case), or from 80% of them (Liang et al. 2018); their
  remaining liked movies are the truth. Every method answers through the same
  `recommend(profile, k)` the app calls, so what is measured is what people get.
- **Peers on the same split**: Surprise SVD, SVD++ and KNNBaseline for ratings; the
  `implicit` library's ALS and BPR used the standard way (the test person's fold-in rows
  are part of their training matrix), most-popular and random for top-N.
- **Metrics**: Precision, Recall, truncated Recall, NDCG, MAP at 5/10/20, MRR, hit rate;
  catalog coverage, genre diversity (intra-list distance), novelty (self-information) and
  popularity bias (average popularity of what is recommended). Pure functions, tested
  against hand-computed values and with property tests.
- **Uncertainty**: 95% percentile-bootstrap intervals of each mean over people; our best
  model against a baseline by a paired test on the same people."""

APP = """\
`movierec serve` (or `make app`) opens a Gradio app with four tabs:

- **Recommend**: type a title and pick from server-side, typo-tolerant suggestions (the
  catalog is never sent to the browser); add three or more, optionally with stars or a
  like/dislike; or start from a random sample of well-known movies to rate, or a one-click
  example. Choose the method (hybrid by default), the number of results, era or years,
  genres in/out, language and minimum votes. Results come as a poster wall (TMDb posters,
  or a generated card with title and year when there is none or the app is offline) with an
  explanation under each, and as a table; clicking a poster shows its details. Thumbs
  up/down on a result refines the list at once and is stored, with the good/bad flag, in a
  local SQLite database (WAL mode) that `movierec feedback export` writes out.
- **Explore**: a 2-D map of the catalog (t-SNE of content vectors, coloured by cluster) with
  the picks and the recommendations highlighted.
- **Evaluation**: the latest evaluation tables and charts.
- **About**: the methods in plain words.

Every string from the data or the person is HTML-escaped before display (tested with
`<script>` and `<img onerror>` titles)."""

DEPLOY = """\
- `movierec deploy --space OWNER/NAME` builds a Hugging Face Space bundle (an `app.py`, a
  README with the Space front matter `sdk: gradio` / `app_file: app.py`, a requirements file,
  and the `movierec` package) and uploads it with `huggingface_hub`; `--dry-run DIR` writes
  the bundle to a folder and lists it. On first start the Space downloads the data it needs
  and prepares it with progress in the logs.
- A `Dockerfile` at the repository root self-hosts the same app (`movierec serve --host
  0.0.0.0`, port 7860)."""

EXTRAS = """\
- Every MovieLens release layout (100k, 1m, 10m, 20m, 25m, 32m, latest, latest-small) and
  The Movies Dataset, from a folder or the original zip, with a cleaning report that counts
  every dropped or repaired row; the full 26M-rating file prepares on one machine (see
  `benchmarks/bench_data.py`).
- Movies with no metadata in the Kaggle sample are titled from a MovieLens movie list, so
  99.95% of `ratings_small` lands on a titled movie.
- Typo-tolerant, year-aware title search with akas ("seven" finds *Se7en*).
- Sixteen methods behind one fold-in interface, each explaining its recommendations from
  its own evidence; models saved as `.npz` + JSON (no pickle) and refused when trained on
  other data.
- Rating models (svd, nmf) rank top-N lists by their learnt taste space instead of
  predicted stars, which otherwise show the same acclaimed films to everyone.
- Bootstrap confidence intervals and paired tests in every table; peers (Surprise,
  implicit) on the very same splits.
- A latency benchmark over 1,000 random profiles for every method, on the whole catalog."""


GROUPS = """\
`movierec together "Ana: ..." "Ben: ..." "Cara: ..."` (and the app's *Watch together* tab)
gives one list for 2-8 people. Each member's scores from the chosen method become
*satisfactions* -- percentiles among the union of every member's 100 best movies -- and
three strategies combine them: **average** (highest mean), **least misery** (highest
minimum), and **fair** (the default: only movies every member likes at least as much as
their own median, chosen one at a time favouring whoever the list has served least, then
filled by least misery). Each movie says whose taste it serves (80% or more) and shows every
member's satisfaction.

Evaluated on synthetic groups of held-out people (3 picks each; their other liked movies
are the truth): random groups, and similar-taste groups (a random person and the people
whose predicted scores are most alike -- from their picks, never their truth), of 2, 4 and
6. Each strategy's list of 10 is judged by every member's NDCG@10 against their own truth:
the group's mean and its worst member's."""

MOOD = """\
`movierec recommend --mood "slow-burn 70s paranoia thriller"` (with or without picks; the
app's mood box; `/mood_api`) reads the constraints the catalog can check -- decades, year
bounds, genres by name or common word (all of them), original language, length -- and
ranks what passes by how well the text fits each movie: a blend of meaning (MiniLM
embeddings of the movie's title, genres, overview, keywords and director, compared by
cosine) and words (TF-IDF over genres, keywords, overview and tagline), half and half with
the person's taste when there are picks. The explanation quotes the matching keywords or
words of the tagline or overview, and what was read from the text.

Evaluated on queries built from the catalog: a TMDb keyword carried by 10-300 movies
(relevant: the movies carrying it) and a genre with a decade (relevant: that genre's movies
of that decade). The keywords and pairs are split in halves: validation queries chose the
blend, test queries are reported."""

SESSIONS = """\
A session replayed offline (`movierec evaluate --protocol session`): a held-out person starts
from 3 liked picks and is shown 10 movies per round for 5 rounds; their held-out ratings
answer (liked at 4 stars or more, disliked below, silence when they never rated the movie).
Three policies: **static** (the first ranking, the next 10 each round), **refine** (the app
before sessions: liked movies join the picks at 5 stars, disliked ones at 1 star, and the
method folds the person in again) and **exploring** (the app's session now: liked movies join
the picks, disliked ones join as *watched* -- a weak positive, since choosing to watch says
what a person watches -- and a Bayesian posterior over the person's taste in the catalog's
latent space -- the top singular vectors of who rated what -- learns from every reaction:
+1 liked, a negative reward disliked, a smaller one for a movie passed over; the posterior is
*sampled* each round, Thompson sampling, so uncertain directions get tried). The exploring
settings (how widely it samples, the correction's weight, what a dislike and silence are
worth) are chosen on validation people carved from the training people; the tables are on
test people the choice never saw, paired bootstrap intervals and t-tests at the last round.
When validation chose to sample, the row *exploring (mean)* is the same session without
sampling, so the table shows what exploring itself adds.

The diversity dial (`--diversity 0..1`, the app's *Variety* slider) re-ranks the method's
top 50 by maximal marginal relevance over genre and keyword vectors."""
