"""Is the paper's claim true for *this* model and *this* text, and against what baseline?

:func:`analyze_corpus` runs a model over many sentences and asks, layer by layer, whether the
HIGH bucket (top quartile) of each score is filled with content words, with bootstrap
confidence intervals and the controls that could explain the effect away: word frequency held
fixed, lexical properties regressed out, the words shuffled, the weights random (over several
seeds), other role mappings, and the highlighted layer against the others.

Definitions (the report's ``meta`` repeats them):

**Units.** Words: the gold words of a CoNLL-U corpus (:mod:`.conllu_reader`), or for plain
strings the engine's words (the tokenizer's own word split, :func:`~afn_widget.words.group_words`).
The model reads the sentence text; a word's pieces are the subword tokens whose first character
lies inside the word's span (failing that, those overlapping it), and a word's score is the
*mean* of its pieces' scores (the engine's ``word_agg="mean"``). Words with no piece (characters
the tokenizer drops) get no score and are left out of every statistic.

**Roles.** From gold UPOS when every sentence has it (``content`` = NOUN PROPN VERB ADJ ADV NUM
INTJ, ``punctuation`` = PUNCT SYM, ``function`` = the rest), else ``roles=`` when given, else
the function-word list of ``lang`` (:mod:`.function_words`: English, German, French; in another
language every word is content and a warning names the ways out); ``report.role_source`` says
which. A CoNLL-U multi-word token whose words do not spell it (``du`` = ``de`` + ``le``) is one
word by default (:mod:`.multiword`).

**Scores**, per layer ``l`` (``hidden_states[l]``, 0 = embeddings; a decoder's last layer read
before its final norm, as ``analyze`` reads it by default), per token, then per word:

* ``tas``: ``‖h_l‖₂`` (the engine's ``normalize="raw"``);
* ``tas_drop_outliers``: the same with the outlier dimensions of the sentence left out (the
  engine's ``normalize="drop_outlier_dims"``, run on the sentence alone);
* ``attention``: attention received by token ``j`` in layer ``l``'s self-attention (the block
  whose output is ``hidden_states[l]``), ``mean_h Σ_i α^h_ij`` over the sentence's real query
  tokens ``i`` (specials included, padding never); eager attention. Undefined at layer 0;
* ``attn_norm``, the sum over heads of per-head norms: ``Σ_i Σ_h ‖α^h_ij f^h(x_j)‖ = Σ_h Σ_i
  α^h_ij ‖f^h(x_j)‖`` (Kobayashi et al. 2020's head-level measure, summed) with ``f^h(x_j) =
  v^h_j W_O^h`` — head ``h``'s value vector (its bias included) mapped through that head's slice
  of the attention output projection (whose bias, shared by all heads, is left out); a
  grouped-query model shares each value head among its group of query heads. Taken from forward
  hooks on each block's value projection, for every architecture :mod:`afn_widget.attention`
  knows (encoders and decoders alike); nan for the others, ``meta`` saying why
  (:func:`~afn_widget.attention.attn_norm_unavailable`). Undefined at layer 0;
* ``attn_norm_layer``, the norm of the sum over heads: ``Σ_i ‖Σ_h α^h_ij f^h(x_j)‖`` —
  Kobayashi et al.'s own layer-level measure of what token ``j`` adds to query ``i``'s
  multi-head attention output, summed over the queries as ``attn_norm`` is; at most
  ``attn_norm`` (heads whose contributions point apart cancel). Same hooks, same models;
  undefined at layer 0;
* ``delta_norm``, ``displacement``, ``cos_change``: the engine's shifts against layer ``l − 1``
  (``‖h_l‖ − ‖h_{l−1}‖``, ``‖h_l − h_{l−1}‖``, ``1 − cos(h_l, h_{l−1})``); undefined at layer 0;
* ``frequency`` (a baseline with no layer): ``−wordfreq.zipf_frequency(word, lang)``, rarer is
  higher; a word wordfreq reads as no token (punctuation, symbols) gets the corpus' highest
  Zipf value;
* ``controls`` (a baseline with no layer): the out-of-fold ``P(content)`` of a logistic
  regression on the words' lexical controls — Zipf frequency, length in characters, number of
  pieces, relative position (:mod:`.logistic`).

**Conditions.** ``trained`` (the model on the sentences), ``shuffled`` (the same model on the
same words in a random order, surface tokens joined by spaces, the generator seeded with
``[s, sentence position]``), ``random_init`` (the same architecture with random weights: the
config's own initialisation, seed ``s``, and every ``torch.nn.LayerNorm``'s γ and β set to a
random permutation of the trained values, so that their scale is kept but no dimension keeps its
role — with γ = 1, β = 0 every token's norm after a LayerNorm would be √d; an RMSNorm, as in the
Llama family, is not a LayerNorm and keeps the config's initial weight). Each control runs once
per seed ``s`` of ``seeds`` (default 3: ``seed, seed + 1, seed + 2``); its table rows pool the
seeds, ``report.seeds`` has each seed's own.

**Buckets.** Per sentence, like the engine per text (:func:`afn_widget.buckets.split`): with
``high="quantile"`` (the paper's), ``HIGH`` iff ``score >= numpy.quantile(scores of the
sentence's words, quantile)`` — every word tied with the threshold is HIGH, and a sentence of 5
words has 2 in HIGH, so more than a quarter of the words are (``high_share`` says how many);
with ``high="top_k"``, exactly ``ceil(n · (1 − quantile))`` of the ``n`` words, ties broken by
position. Special tokens are excluded from every score's quartile; the ``special_share``
statistic puts the special tokens back in as units of their own (each sentence: its words + its
specials, one quantile over all of them) and reports the share of specials among HIGH units.

**Massive activations.** A token carries one at a layer when some hidden dimension's
``|value|`` is above ``massive_abs`` (100) and above ``massive_ratio`` (1000) times the median
``|value|`` of that layer over the sentence's tokens — the engine's rule and defaults
(:func:`afn_widget.hidden.massive_flags`), on each sentence alone, so no flag depends on the
batch. A word carries one when any of its pieces does. At each layer, the words and special
tokens flagged there are left out of the units every statistic of that layer's rows is computed
from (HIGH, pairs, units, the regression) unless ``include_massive=True``; the table's
``massive_share`` and ``massive_special_share`` (and ``n_massive``) say how many were flagged,
``report.massive()`` which.

**Statistics** (each a ratio of sums over sentences, with a 95% percentile bootstrap CI from
``n_boot`` resamples of *sentences*, seed ``seed``; a control's rows also resample its seeds,
two-stage, so that the CI holds the seed spread, :mod:`.pool`):

* ``auroc``: within-sentence AUROC of content vs function words — over every (content, function)
  pair *of the same sentence*, the share where the content word scores higher (ties ½);
* ``auroc_matched``: the same over the pairs whose Zipf values (the frequency baseline's)
  differ by less than ``match_width`` (default 0.5): frequency held fixed. ``match_on=`` matches
  on other properties as well or instead (:mod:`.matching`: word length in characters, number
  of pieces, relative position, any combination; several matchings give
  ``auroc_matched_<criteria>`` columns beside it). Besides the sentence bootstrap's CI, each
  matched AUROC of the trained model and the baselines has ``_cl_lo`` / ``_cl_hi``: a two-way
  bootstrap over sentences *and* word types (:mod:`.clustered`), since a few types recur in
  many pairs (``meta["matched_types"]`` says how many carry them);
* ``auroc_per_sentence``, ``auroc_matched_per_sentence``: the mean over sentences of their own
  AUROC (each sentence one vote, where the pooled ones weigh a sentence by its pairs);
* ``auroc_binned``: the same over the pairs whose Zipf values fall in the same bin (below 1,
  ``[1, 2)`` ... ``[6, 7)``, from 7 on): each bin's AUROC weighted by its pairs;
* ``lr_auroc``, ``lr_gain``, ``lr_ll_gain``: the regression on the lexical controls with the
  score added — its within-sentence AUROC, that minus the ``controls`` baseline's AUROC (paired),
  and its out-of-fold log-likelihood gain per word in nats (:mod:`.logistic`);
* ``content_share``: content words among HIGH words; ``base_rate``: content words among all
  words; ``lift = content_share / base_rate``; ``high_share``: the words in HIGH;
* ``punct_share`` / ``punct_base``: the same for punctuation;
* ``special_share`` / ``special_base``: specials among HIGH units / among all units;
* ``massive_share`` / ``massive_special_share``: the words / special tokens flagged as massive
  activations at the row's layer (no CI: what the row left out, not an estimate).

**Breakdowns.** ``report.contrasts()``: the highlighted layer against its neighbours and the best
other layer, paired (:mod:`.contrasts`); ``report.seeds``: each control seed's statistics;
``report.mappings``: the main figures under other role mappings (:mod:`.mappings`: ADV split by
the function-word list with X and INTJ on their own; punctuation left out of the units);
``report.categories``: the HIGH rate of each gold UPOS tag; ``report.zipf_bins``: the AUROC
within each Zipf bin; ``report.groups``: the main figures by sentence length and, for GUM and
English-EWT, by genre (:mod:`.groups`); ``report.sensitivity()``: the content share in HIGH
over HIGH/LOW boundaries 0.5–0.95 and the matched AUROC over match widths, for every score at
the highlighted layer and both baselines, recounted from the words (:mod:`.sensitivity`).

**Language.** ``lang`` (default: the one the UD file name or ``sent_id`` gives, else ``en``) is
checked before any model loads (:mod:`.language`: one of wordfreq's languages, with its optional
tokenizer installed for Japanese, Korean and Chinese); a treebank whose file name or ``sent_id``
names another language than the one given, and a tokenizer that reads the text poorly (many
unknown pieces, words spelled out character by character, or many more pieces per word than on
English), are warned about.

Sentences run in batches sorted by length, padded (attention mask set; padding is never read),
``token_budget`` padded tokens per batch (default :func:`default_token_budget`), streamed in
chunks of ``chunk_size`` sentences: only per-word scores are kept. They run in this process, or
with ``engine="ray"`` on the actors of a Ray cluster (:mod:`.ray_engine`), in the same
batches.

The modules: ``conllu_reader`` reads a treebank into :class:`~.conllu_reader.Sentence` objects
(:func:`~.conllu_reader.read_conllu`). Then, in the order :func:`analyze_corpus` (``analyze``)
uses them: ``options`` and ``language`` (checks), ``inputs`` (sentences to token ids, batches,
chunks), ``runner`` (the forward pass and its hooks), ``twin`` (the random-weights model),
``collect`` (every run over the corpus; ``ray_engine`` the same on Ray), ``roles`` (roles, word
frequency), ``logistic`` (the regression), ``mappings``, ``rows`` and ``counts`` (per-sentence
counts; ``matching`` which pairs are matched), ``pool`` (estimates and the bootstrap),
``clustered`` (the bootstrap over sentences and word types), ``frames`` (the table, the words),
``breakdowns``, ``groups``, ``meta``; the answer, ``report``, with ``contrasts``, ``figure``,
``sensitivity``, ``page`` (its HTML) and ``csvfile`` (its CSV files, safe to open in a spreadsheet);
``treebanks`` runs many treebanks into one run folder; ``cli`` is the ``afn-widget corpus``
command. ``stats`` holds the numeric primitives (HIGH rows, pair wins, the bootstrap) and
``names`` the names of scores, conditions, runs and statistics.
"""

from .analyze import analyze_corpus
from .inputs import default_token_budget, sentence_from_text, word_pieces
from .language import check_language, treebank_language
from .names import BASELINE, CONDITIONS, FREQUENCY, LEXICAL, MAPPINGS, SCORES, STATS, Run
from .report import CorpusReport
from .roles import zipf
from .twin import random_twin

__all__ = [
    "BASELINE",
    "CONDITIONS",
    "FREQUENCY",
    "LEXICAL",
    "MAPPINGS",
    "SCORES",
    "STATS",
    "Run",
    "CorpusReport",
    "analyze_corpus",
    "check_language",
    "default_token_budget",
    "random_twin",
    "sentence_from_text",
    "treebank_language",
    "word_pieces",
    "zipf",
]
