"""The commented starter configs that ``uncertainty init`` writes.

The template is a string constant, not package data, so it ships with the code and a test
can run it as written. It shows every common option with what it means, and, commented
out, the less common ones; each part names the README section that explains it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from string import Template

__all__ = ["CASUALTIES", "DEFAULT_NAME", "STARTER", "TEMPLATES", "StarterTemplate",
           "starter_config"]

#: File name ``uncertainty init`` writes when given no path.
DEFAULT_NAME = "study.toml"

#: The starter config: two sources, one metric, a scenario, a correlation, a constraint;
#: ``$config`` and ``$results`` stand for its path and its results folder.
STARTER = '''\
# A starter study for `uncertainty`: two sources that disagree about one event, and a
# metric computed from their figures. It runs as written. Check it and list what it
# defines; simulate it (the results go to $results/); print its tables again later,
# without rerunning:
#
#     uncertainty validate $config
#     uncertainty run $config
#     uncertainty show $results
#
# Replace the figures with your own. Each part below names the section of README.md that
# explains it (most are under "The config file"). A line "# key = ..." is a less common
# option: remove the "# " to use it.

title = "Storm casualties: two sources compared"

# Conditions every draw must meet; a draw that breaks one is discarded and drawn again
# (README: "Constraints"). Top-level keys such as title and constraints go before the
# first [table] header: in TOML every key below a header belongs to that table.
constraints = ["storm.deaths <= storm.casualties"]

# How the simulation runs (README: "The config file" and "Precision: how many draws").
[run]
draws = 100_000              # draws per view
seed = 2025                  # same seed, same numbers; leave out for a random (recorded) one
levels = [0.5, 0.9, 0.95]    # credible levels to report
# Instead of a fixed count, draw until every median and interval end is known to 0.5%:
# precision = 0.005
# max_draws = 10_000_000     # the cap for precision
# ci90_factor = 1.5          # spread of a bare number: 90% interval [x/1.5, x*1.5]
# How the pooled view combines sources: "linear", "log" or "envelope" (README: "Pooling"):
# pool = "linear"

# The grade table can be changed (README: "Source grades").
# [grades]
# B2 = { ci90_factor = 1.4, weight = 0.7 }

# A source: an id (letters, digits, _ and -), a label, and one estimate per quantity.
# Quantity names are dotted paths such as storm.deaths. Many figures in a CSV file?
# A [tables.NAME] section reads them (README: "Sources from a table").
[sources.agency]
label = "Disaster agency, daily bulletin"
# An Admiralty/NATO grade, reliability letter A-F and credibility digit 1-6: it sets the
# spread of the source's bare numbers and its weight in the pool (README: "Source grades").
grade = "B2"
# weight = 0.8               # pool weight (default 1, or the grade's)
# ci90_factor = 1.3          # spread of this source's bare numbers (wins over the grade)

# "About 1,200 dead": a lognormal with median 1,200, widened for the rounding the number
# shows (README: "Estimates: what you write and the distribution it becomes").
[sources.agency.estimates.storm.deaths]
about = 1_200
# unit = 100                 # the rounding unit (default: read from the number)
# cite, date, quote and note travel into the reports (README: "Where a figure came from").
cite = "Agency bulletin no. 12"
# date = 2025-06-01
# quote = "about 1,200 people have died"
# note = "counts bodies recovered"

# "At least 5,400 casualties" (those registered so far): the floor times an undercount
# factor, here 10% to 80% more (its 90% interval); never below the floor.
[sources.agency.estimates.storm.casualties]
at_least = 5_400
undercount = { ci90 = [1.1, 1.8] }

[sources.ngo]
label = "Relief NGO, field survey"

[sources.ngo.estimates.storm]
# A value with its own 90% interval: median exactly 1,500, 5th and 95th percentiles 1,100
# and 2,300 (a split lognormal when the interval is not symmetric on the log scale).
deaths = { value = 1_500, ci90 = [1_100, 2_300] }
# A bare number: a lognormal with median 7,000 and 90% interval [x/f, x*f], f the
# source's ci90_factor, else the run's, else 1.5.
casualties = 7_000
# Other ways to write an estimate, each adding a quantity storm.other (README: "Estimates:
# what you write and the distribution it becomes"). Another central interval; "between";
# "at most"; stated percentiles; a mixture of readings; a named family (also lognormal,
# uniform, beta, gamma, pert, triangular, truncnormal, point); lower / upper truncate any
# estimate written as a table:
# other = { value = 12_000, ci = [10_000, 15_000], level = 0.8 }
# other = { between = [60_000, 100_000] }
# other = { at_most = 20_000, overcount = { ci90 = [1.1, 2.5] } }
# other = { quantiles = { "0.05" = 9_000, "0.5" = 12_000, "0.95" = 17_000 } }
# other = { mixture = [{ value = 8_000 }, { about = 12_000 }], weights = [0.3, 0.7] }
# other = { dist = "normal", mean = 0, sd = 1 }
# other = { about = 12_000, lower = 10_000 }

# Rank correlations between estimates (README: "Correlations"): a source that over-counts
# the dead probably over-counts all casualties too.
[correlations]
agency_counts = { between = ["storm.deaths", "storm.casualties"], rho = 0.4, source = "agency" }
# across = { between = ["agency:storm.deaths", "ngo:storm.deaths"], rho = 0.3 }
# repair = false             # true: use the nearest valid matrix if these cannot all hold

# What to compute (README: "Metrics"): expressions over quantity names with numbers,
# + - * / **, parentheses, log, exp, sqrt, abs, min and max.
[metrics]
# injured = "storm.casualties - storm.deaths"    # the short form: just the expression

[metrics.death_share]
expr = "storm.deaths / storm.casualties"
label = "Share of casualties who died"
# The chance of reaching each value, per view (README: "Comparing sources").
thresholds = [0.2, 0.3]

# A named combination of sources (README: "Views"): the NGO's deaths against the agency's
# casualties. Use "pooled" for the pool of every source; a quantity left out is pooled.
[scenarios.mixed]
label = "NGO deaths, agency casualties"
use = { "storm.deaths" = "ngo", "storm.casualties" = "agency" }

# What the sensitivity analysis varies (README: "What drives the answer: sensitivity").
[sensitivity]
tornado = [0.05, 0.95]       # the percentiles each input is held at
spread_scales = [0.5, 2]     # factors on the default log-spreads
'''


#: ``uncertainty init --template casualties``: the measures of military medicine (case
#: fatality rate, percentage killed in action, wounded per killed) for one brigade, with
#: ``[counts]`` declaring what each quantity counts.
CASUALTIES = '''\
# A casualties study for `uncertainty`: the standard measures of military medicine for one
# brigade, from three sources. It runs as written. Check it, simulate it (the results go to
# $results/), and print its tables again later:
#
#     uncertainty validate $config
#     uncertainty run $config
#     uncertainty show $results
#
# The words, as military medicine uses them (README: "Casualty measures"):
#   killed in action (KIA)   killed before reaching a medical treatment facility
#   died of wounds (DOW)     wounded who reached one and died there or later
#   wounded in action (WIA)  wounded who reached one, those who died of wounds included
#   missing                  not accounted for: some are dead, some captured, some will return
#   captured                 taken prisoner, wounded or not
# and the measures:
#   case fatality rate        CFR  = (KIA + DOW) / (KIA + WIA)
#   percentage killed         %KIA = KIA / (KIA + WIA)
#   wounded-to-killed ratio          WIA / KIA
# The missing and the captured are in none of them. A total of all casualties counts them,
# so a share of the dead in that total is not the case fatality rate; the report notes it.
# Replace the figures with your own; the plain `uncertainty init` starter explains every option.

title = "Casualty measures of one brigade"

# Draws that break a condition are discarded (README: "Constraints").
constraints = ["bde.dow <= bde.wia", "bde.kia <= bde.casualties"]

[run]
draws = 100_000
seed = 2025
levels = [0.5, 0.9, 0.95]

# What each quantity counts: killed, died_of_wounds, wounded, missing, captured. The report
# reads these, never the quantity names, to tell a share of the dead in a total with the
# missing or the captured in it from the case fatality rate. A quantity left out counts
# nothing the report knows of.
[counts]
"bde.kia" = ["killed"]
"bde.dow" = ["died_of_wounds"]
"bde.wia" = ["wounded"]
"bde.missing" = ["missing"]
"bde.captured" = ["captured"]
"bde.casualties" = ["killed", "wounded", "missing", "captured"]

# The brigade's own returns: the killed, the wounded it evacuated, the missing and the captured.
[sources.returns]
label = "Brigade casualty returns"
grade = "B2"

[sources.returns.estimates.bde]
kia = { about = 1_150 }
# Returns miss the lightly wounded treated and sent back: read as a floor, 5% to 40% more.
wia = { at_least = 3_600, undercount = { ci90 = [1.05, 1.4] } }
# The missing only grow as returns come in late: at least 400, 5% to 60% more.
missing = { at_least = 400, undercount = { ci90 = [1.05, 1.6] } }
captured = { value = 160, ci90 = [110, 240] }

# The medical service counts those it treated: the wounded and those who died of wounds.
[sources.medical]
label = "Field hospital admissions"
grade = "A2"

[sources.medical.estimates.bde]
wia = { value = 4_300, ci90 = [3_900, 4_900] }
dow = { about = 190 }

# A total of all casualties, as a ministry would announce it.
[sources.ministry]
label = "Ministry statement: all casualties"
grade = "C3"

[sources.ministry.estimates.bde]
casualties = { about = 6_000 }

[metrics]
cfr = { expr = "(bde.kia + bde.dow) / (bde.kia + bde.wia)", label = "Case fatality rate, CFR" }
pct_kia = { expr = "bde.kia / (bde.kia + bde.wia)", label = "Percentage killed, %KIA" }
wia_per_kia = { expr = "bde.wia / bde.kia", label = "Wounded per killed, WIA/KIA" }
# Not a fatality rate: the missing and the captured count as survivors, and the report says
# so under its table.
survival = { expr = "1 - bde.kia / bde.casualties", label = "Share of all casualties alive" }
'''


@dataclass(frozen=True)
class StarterTemplate:
    """A template ``uncertainty init`` writes: its text and what ``init`` says it wrote."""

    text: str
    what: str


#: The templates by the name ``--template`` takes; the first is the default.
TEMPLATES = {
    "starter": StarterTemplate(STARTER, "a starter study (two sources, one metric); its "
                               "comments explain every option"),
    "casualties": StarterTemplate(CASUALTIES, "casualty measures (case fatality rate, "
                                  "percentage killed, wounded per killed); its comments give "
                                  "each definition"),
}


def starter_config(config: str | PurePath = DEFAULT_NAME, template: str = "starter") -> str:
    """A template's config, its comments naming `config` and the folder ``run`` writes.

    Parameters
    ----------
    config : str or PurePath
        Where the config will be written, as the user will type it.
    template : str
        A name of `TEMPLATES`: ``"starter"`` (default) or ``"casualties"``.

    Returns
    -------
    str
        TOML text that ``uncertainty run`` accepts as written.
    """
    path = PurePath(config)
    results = PurePath("results") / path.stem
    return Template(TEMPLATES[template].text).substitute(config=path.as_posix(),
                                                         results=results.as_posix())
