"""The world bench/artwork.py simulates: hidden taste groups, each title's candidate artwork, subscribers
with a viewing history, and the policies run on them.

Everything here knows the truth (each group's take probability per arm); the policies only see what serving
sees, through `artwork.bandits` and `artwork.taste`: the taste segment and the taste vector.

How a subscriber is generated (issue 13, session 4):
1. A hidden group, uniformly: faces and close-ups, landscapes, or dark frames (WEIGHTS: its take probability
   per arm attribute).
2. A viewing history of n titles, n ~ Geometric with mean HISTORY_MEAN, counted from 0 (about 1 in 7
   subscribers is new, with no history). Each title's first genre is drawn from the group's genre taste
   (GROUP_GENRE_SHARE of the mass on the group's three signature genres, the rest spread over all 20), and
   half the titles carry a second genre drawn uniformly. Completion ~ U(0.1, 1). Each title has two tags:
   each is one of its first genre's three tags with probability 0.5, else one of 30 generic tags.
3. The recommender's view, for subscribers with a history and with probability EMBEDDED (the others joined
   after its last training): scores per genre = log of the group's genre taste + N(0, EMBEDDING_NOISE), turned
   into a distribution by `artwork.taste.embedding_genres` as serving does.
4. What the policies see, computed by the serving code: the taste vector (`artwork.taste.history_weights`
   and `taste_vector`) and the segment, the most-watched genre ("new" without a history), as
   `artwork.viewer.taste_segment` reads it.
So the taste is a noisy function of the group, not a copy of it: a short history or one dominated by the
shared genres says little.
"""

from dataclasses import dataclass, field

import numpy as np

from artwork import bandits, taste
from artwork.taste import TASTE_GENRES, Context

GROUPS = ["faces", "landscape", "dark"]
SEGMENTS = ["Drama", "Documentary", "Horror"]  # the estimator check's observed segments (80% agreement)
WEIGHTS = {  # hidden preference per arm attribute (faces, closeup, brightness, colour, dark)
    "faces": np.array([1.2, 1.0, 0.0, 0.2, -0.3]),
    "landscape": np.array([-0.9, -0.8, 0.6, 0.9, -0.4]),
    "dark": np.array([-0.2, 0.0, -1.0, -0.3, 1.4]),
}
BASE = -2.2
ARMS = 4
GROUP_GENRES = {"faces": ("drama", "romance", "comedy"), "landscape": ("documentary", "adventure", "western"),
                "dark": ("horror", "thriller", "crime")}
GROUP_GENRE_SHARE = 0.6
HISTORY_MEAN = 6.0
EMBEDDED = 0.8
EMBEDDING_NOISE = 1.0
GENERIC_TAGS = tuple(f"generic-{i}" for i in range(30))


def _genre_taste(group: str) -> np.ndarray:
    p = np.full(len(TASTE_GENRES), (1 - GROUP_GENRE_SHARE) / len(TASTE_GENRES))
    for slug in GROUP_GENRES[group]:
        p[TASTE_GENRES.index(slug)] += GROUP_GENRE_SHARE / len(GROUP_GENRES[group])
    return p


GENRE_TASTE = np.stack([_genre_taste(g) for g in GROUPS])  # G x genres


@dataclass
class Subscriber:
    group: int
    segment: str
    genre_views: dict
    tag_views: dict
    embedding: dict | None
    _contexts: dict = field(default_factory=dict)

    def context(self, mode: str = "taste", embedding_weight: float = taste.EMBEDDING_WEIGHT) -> Context:
        """The policies' view: "taste" (segment and taste vector) or "segment" (the segment alone, hashed into
        16 slots as the linear policy saw it before the taste vector: the side-by-side baseline)."""
        key = (mode, embedding_weight)
        if key not in self._contexts:
            if mode == "segment":
                vector = np.zeros(taste.TASTE_DIM)
                vector[bandits._bucket(self.segment, 16)] = 1.0
            else:
                vector = taste.taste_vector(self.genre_views, self.tag_views, self.embedding,
                                            embedding_weight=embedding_weight)
            self._contexts[key] = Context(self.segment, tuple(vector))
        return self._contexts[key]


_GENRE_CDF = np.cumsum(GENRE_TASTE, axis=1)


def make_subscriber(rng) -> Subscriber:
    g = int(rng.integers(len(GROUPS)))
    n = int(rng.geometric(1 / (HISTORY_MEAN + 1))) - 1
    # All of a history's draws at once (the generating process is the module docstring's).
    first = np.minimum(np.searchsorted(_GENRE_CDF[g], rng.random(n), side="right"), len(TASTE_GENRES) - 1)
    second = np.where(rng.random(n) < 0.5, rng.integers(len(TASTE_GENRES), size=n), -1)
    own_tag, tag_pick, generic = rng.random((n, 2)) < 0.5, rng.integers(3, size=(n, 2)), rng.integers(30, size=(n, 2))
    completion = rng.uniform(0.1, 1.0, n)
    views, genres, tags = [], {}, {}
    counts: dict[str, int] = {}
    for i in range(n):
        head = TASTE_GENRES[first[i]]
        title_genres = [head] if second[i] in (-1, first[i]) else [head, TASTE_GENRES[second[i]]]
        genres[i] = title_genres
        tags[i] = [(f"{head}-{tag_pick[i, j]}" if own_tag[i, j] else GENERIC_TAGS[generic[i, j]], 1.0)
                   for j in range(2)]
        views.append((i, float(completion[i])))
        for slug in title_genres:
            counts[slug] = counts.get(slug, 0) + 1
    genre_views, tag_views = taste.history_weights(views, genres, tags)
    embedding = None
    if n and rng.random() < EMBEDDED:
        scores = np.log(GENRE_TASTE[g]) + rng.normal(0, EMBEDDING_NOISE, len(TASTE_GENRES))
        embedding = taste.embedding_genres(dict(zip(TASTE_GENRES, scores.tolist(), strict=True)))
    segment = max(counts, key=counts.get) if counts else "new"
    return Subscriber(g, segment, genre_views, tag_views, embedding)


def make_world(titles: int, rng):
    attrs = []
    for _ in range(titles):
        faces = rng.random(ARMS) < 0.5
        closeup = faces & (rng.random(ARMS) < 0.6)
        brightness = rng.uniform(0.1, 0.9, ARMS)
        attrs.append([{"faces": float(f), "closeup": float(c), "brightness": float(b),
                       "colour": float(rng.uniform(0, 1)), "dark": float(b < 0.3)}
                      for f, c, b in zip(faces, closeup, brightness, strict=True)])
    return attrs


def take_prob(group: str, features: dict) -> float:
    x = np.array([features[name] for name in bandits.ARM_FEATURES])
    return float(1 / (1 + np.exp(-(BASE + WEIGHTS[group] @ x))))


def observed_segment(group_index: int, rng) -> str:
    """The estimator check's segment: agrees with the hidden group 80% of the time (its truth is exact)."""
    if rng.random() < 0.8:
        return SEGMENTS[group_index]
    return SEGMENTS[rng.integers(len(SEGMENTS))]


def _truth(world) -> np.ndarray:
    return np.array([[[take_prob(g, f) for f in title] for title in world] for g in GROUPS])  # G x T x A


def simulate(policy: str, world, rounds: int, seed: int, batch: int = 500, *, epsilon: float = 0.1,
             v2: float | None = None, context: str = "taste", embedding_weight: float = taste.EMBEDDING_WEIGHT):
    """Online run of one policy: each round a new subscriber sees one title's card; the policy learns in
    batches of `batch`, as the beat learner does. `context` is what the linear policy sees."""
    rng = np.random.default_rng(seed)
    truth = _truth(world)
    best_overall = truth.mean(axis=0).argmax(axis=1)  # the A/B winner per title, for everyone
    params: dict = {} if v2 is None else {"v2": v2}
    pending, rewards, regret = [], np.zeros(rounds), np.zeros(rounds)
    kind = {"epsilon-greedy": "epsilon", "thompson": "thompson", "contextual": "lints"}.get(policy)
    state = bandits.compile_state(kind or "uniform", params)
    for t in range(rounds):
        subscriber = make_subscriber(rng)
        g = subscriber.group
        title = int(rng.integers(len(world)))
        seen = subscriber.context(context, embedding_weight)
        arms = [bandits.Arm(title * ARMS + a, f) for a, f in enumerate(world[title])]
        if policy == "random":
            a = int(rng.integers(ARMS))
        elif policy == "single-best":
            a = int(best_overall[title])
        else:
            p = bandits.probabilities(kind, state, seen, arms, epsilon=epsilon)
            a = int(rng.choice(ARMS, p=p))
        r = float(rng.random() < truth[g, title, a])
        rewards[t], regret[t] = r, truth[g, title].max() - truth[g, title, a]
        if kind:
            pending.append((seen, arms[a].arm_id, arms[a].features, r))
            if len(pending) >= batch:
                params = bandits.update(kind, params, pending)
                state = bandits.compile_state(kind, params)  # once per state version, as serving does
                pending = []
    return rewards, np.cumsum(regret)


def segment_posterior() -> np.ndarray:
    """P(hidden group | observed segment), S x G, from the estimator check's 80% agreement."""
    joint = np.array([[0.8 * (s == g) + 0.2 / len(SEGMENTS) for g in range(len(GROUPS))]
                      for s in range(len(SEGMENTS))])
    return joint / joint.sum(axis=1, keepdims=True)


def ceilings(world, samples: int = 100_000, seed: int = 99) -> dict:
    """Take rates from the truth: the A/B winner, the best arm per (segment, title) (the most any policy that
    sees only the segment can reach; P(group | segment) from `samples` generated subscribers) and per
    (hidden group, title) (what a context revealing the group would)."""
    truth = _truth(world)
    single = truth.mean(axis=0).max(axis=1).mean()
    rng = np.random.default_rng(seed)
    counts: dict[str, np.ndarray] = {}
    for _ in range(samples):
        s = make_subscriber(rng)
        counts.setdefault(s.segment, np.zeros(len(GROUPS)))[s.group] += 1
    by_segment = 0.0
    for c in counts.values():
        post = c / c.sum()
        by_segment += c.sum() / samples * np.tensordot(post, truth, axes=1).max(axis=1).mean()
    by_group = truth.max(axis=2).mean()
    return {"single_best": round(float(single), 4), "segment_oracle": round(float(by_segment), 4),
            "group_oracle": round(float(by_group), 4),
            "segment_ceiling_ratio": round(float(by_segment / single), 3),
            "group_ceiling_ratio": round(float(by_group / single), 3)}


def uniform_log(world, rounds: int, seed: int):
    """A log of the uniform logging policy on these titles: (subscriber, title, action, reward) rows."""
    rng = np.random.default_rng(seed)
    truth = _truth(world)
    rows = []
    for _ in range(rounds):
        subscriber = make_subscriber(rng)
        title = int(rng.integers(len(world)))
        a = int(rng.integers(ARMS))
        rows.append((subscriber, title, a, float(rng.random() < truth[subscriber.group, title, a])))
    return rows


def replay_take_rate(kind: str, world, log, seed: int, *, epsilon: float = 0.1, v2: float | None = None,
                     batch: int = 500, context: str = "taste",
                     embedding_weight: float = taste.EMBEDDING_WEIGHT) -> tuple[float, int]:
    """Replay (Li et al. 2011) of an adaptive policy on a uniform log: a row counts, and is learned from, only
    when the policy's own draw is the logged arm; take rate over the kept rows after the first third."""
    rng = np.random.default_rng(seed)
    params: dict = {} if v2 is None else {"v2": v2}
    state = bandits.compile_state(kind, params)
    pending, kept = [], []
    for subscriber, title, logged, reward in log:
        seen = subscriber.context(context, embedding_weight)
        arms = [bandits.Arm(title * ARMS + a, f) for a, f in enumerate(world[title])]
        p = bandits.probabilities(kind, state, seen, arms, epsilon=epsilon)
        if int(rng.choice(ARMS, p=p)) != logged:
            continue
        kept.append(reward)
        pending.append((seen, arms[logged].arm_id, arms[logged].features, reward))
        if len(pending) >= batch:
            params = bandits.update(kind, params, pending)
            state = bandits.compile_state(kind, params)
            pending = []
    return float(np.mean(kept[len(kept) // 3:])), len(kept)
