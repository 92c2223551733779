# Expected numbers for tests/analysis: R's survey package is the reference for every statistic.
#
# Ran on: R 4.2.2 Patched (2022-11-10 r83330), survey 4.1-1, MASS 7.3-58.2, jsonlite (Debian bookworm
# packages r-base-core, r-cran-survey, r-cran-mass, r-cran-jsonlite).
# Regenerate, from the repository root:
#     Rscript tests/analysis/r/make_expected.R tests/analysis
# It writes data/*.csv (the api samples and a synthetic survey it draws with a fixed seed) and
# expected/r_expected.json. Nothing else in the test suite needs R.
suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
options(survey.lonely.psu = "fail")
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "tests/analysis"
dir.create(file.path(out, "data"), showWarnings = FALSE, recursive = TRUE)
dir.create(file.path(out, "expected"), showWarnings = FALSE, recursive = TRUE)

data(api)
keep <- c("cds", "stype", "dnum", "snum", "awards", "api00", "pw", "fpc", "enroll", "avg.ed")
prep <- function(d) {
  d <- d[, keep]
  names(d)[names(d) == "avg.ed"] <- "avg_ed"
  d$confident <- as.integer(d$api00 > 650)
  d$awards <- as.character(d$awards)
  d$stype <- as.character(d$stype)
  d
}
apisrs_d <- prep(apisrs)
apistrat_d <- prep(apistrat)
apiclus1_d <- prep(apiclus1)
write.csv(apisrs_d, file.path(out, "data", "apisrs.csv"), row.names = FALSE, na = "")
write.csv(apistrat_d, file.path(out, "data", "apistrat.csv"), row.names = FALSE, na = "")
write.csv(apiclus1_d, file.path(out, "data", "apiclus1.csv"), row.names = FALSE, na = "")
# apiclus2: a two-stage sample (districts, then schools in them), with an fpc at each stage.
apiclus2_d <- apiclus2[, c("cds", "stype", "dnum", "snum", "awards", "api00", "pw", "fpc1", "fpc2", "enroll",
                           "avg.ed")]
names(apiclus2_d)[names(apiclus2_d) == "avg.ed"] <- "avg_ed"
apiclus2_d$confident <- as.integer(apiclus2_d$api00 > 650)
apiclus2_d$awards <- as.character(apiclus2_d$awards)
apiclus2_d$stype <- as.character(apiclus2_d$stype)
write.csv(apiclus2_d, file.path(out, "data", "apiclus2.csv"), row.names = FALSE, na = "")
# apistrat with one school put in a stratum of its own: a design with a lonely PSU.
apistrat_lonely_d <- apistrat_d
apistrat_lonely_d$lstrat <- apistrat_lonely_d$stype
apistrat_lonely_d$lstrat[1] <- "L"
write.csv(apistrat_lonely_d, file.path(out, "data", "apistrat_lonely.csv"), row.names = FALSE, na = "")

# A synthetic survey: 5 areas (strata), 6 PSUs each, 4 waves, age x sex, unequal starting weights,
# about 3% missing outcomes.
set.seed(20261124)
n <- 1500
areas <- c("Altrincham", "Sale", "Stretford", "Urmston", "Partington")
syn <- data.frame(
  id = seq_len(n),
  area = sample(areas, n, replace = TRUE, prob = c(0.3, 0.25, 0.2, 0.15, 0.1)),
  wave = sample(c("2025Q1", "2025Q2", "2025Q3", "2025Q4"), n, replace = TRUE),
  age_band = sample(c("16-34", "35-54", "55+"), n, replace = TRUE, prob = c(0.25, 0.35, 0.4)),
  sex = sample(c("F", "M"), n, replace = TRUE, prob = c(0.58, 0.42)),
  stringsAsFactors = FALSE
)
syn$psu <- paste(syn$area, sample(1:6, n, replace = TRUE), sep = "-")
syn$base_weight <- round(runif(n, 20, 80), 2)
lp <- -0.1 + 0.3 * (syn$area == "Altrincham") + 0.25 * (syn$age_band == "55+") - 0.2 * (syn$sex == "M") +
  0.1 * as.integer(factor(syn$wave))
syn$confident <- rbinom(n, 1, plogis(lp))
syn$confident[sample.int(n, 45)] <- NA
# A 0 to 10 score (drawn after everything above, so the earlier columns are unchanged), 5% missing.
syn$score <- pmin(10, pmax(0, round(5 + 1.5 * lp + rnorm(n, 0, 2))))
syn$score[sample.int(n, 75)] <- NA
write.csv(syn, file.path(out, "data", "synthetic.csv"), row.names = FALSE, na = "")
pop_area <- c(Altrincham = 30000, Sale = 35000, Stretford = 28000, Urmston = 25000, Partington = 7000)
pop_age <- c("16-34" = 40000, "35-54" = 45000, "55+" = 40000)
pop_sex <- c(F = 64000, M = 61000)
margins <- rbind(
  data.frame(variable = "area", category = names(pop_area), population_count = unname(pop_area)),
  data.frame(variable = "age_band", category = names(pop_age), population_count = unname(pop_age)),
  data.frame(variable = "sex", category = names(pop_sex), population_count = unname(pop_sex))
)
write.csv(margins, file.path(out, "data", "synthetic_margins.csv"), row.names = FALSE)

methods <- c("logit", "likelihood", "asin", "beta", "mean", "xlogit")

# Means and totals of numeric answers, na.rm = TRUE: svymean / svytotal with deff, and
# confint(df = degf(design)), for the whole design and for each domain as a subset of it (svyby's
# estimate and SE recorded beside, to show the two agree).
numeric_rows <- function(design, vars, by_var, levels = c(0.95, 0.9)) {
  rows <- list()
  one <- function(des, v, stat, dom, by_est = NA, by_se = NA) {
    f <- as.formula(paste0("~", v))
    fn <- if (stat == "mean") svymean else svytotal
    e1 <- fn(f, des, na.rm = TRUE, deff = TRUE)
    e2 <- fn(f, des, na.rm = TRUE, deff = "replace")
    for (lev in levels) {
      ci <- confint(e1, df = degf(des), level = lev)
      rows[[length(rows) + 1]] <<- list(
        variable = v, statistic = stat, domain = dom, level = lev, estimate = num(coef(e1)),
        se = num(SE(e1)), ci_low = num(ci[1]), ci_high = num(ci[2]), df = degf(des),
        deff = num(deff(e1)), deff_replace = num(deff(e2)), svyby_estimate = num(by_est), svyby_se = num(by_se))
    }
  }
  groups <- as.character(model.frame(design)[[by_var]])
  for (v in vars) for (stat in c("mean", "total")) {
    one(design, v, stat, "all")
    fn <- if (stat == "mean") svymean else svytotal
    by <- svyby(as.formula(paste0("~", v)), as.formula(paste0("~", by_var)), design, fn, na.rm = TRUE)
    for (i in seq_len(nrow(by))) {
      key <- trimws(as.character(by[i, by_var]))
      one(design[groups == key, ], v, stat, key, by[i, v], SE(by)[i])
    }
  }
  rows
}
num <- function(x) unname(as.numeric(x))

# svyby(svyciprop) for every method, plus svymean's deff (default and "replace") and degf per domain.
domain_rows <- function(design, by_formula, by_vars, levels = c(0.95), na_rm = FALSE) {
  rows <- list()
  sub_df <- model.frame(design)
  keys <- interaction(sub_df[, by_vars, drop = FALSE], drop = TRUE, sep = ":")
  for (lev in levels) {
    for (m in methods) {
      res <- if (na_rm) {
        svyby(~confident, by_formula, design, svyciprop, method = m, level = lev, vartype = c("se", "ci"),
              na.rm = TRUE)
      } else {
        svyby(~confident, by_formula, design, svyciprop, method = m, level = lev, vartype = c("se", "ci"))
      }
      ci <- as.matrix(res[, c("ci_l", "ci_u")])  # svyciprop's own interval (confint() on svyby is Wald)
      dom <- apply(res[, by_vars, drop = FALSE], 1, function(r) paste(trimws(r), collapse = ":"))
      for (i in seq_len(nrow(res))) {
        rows[[length(rows) + 1]] <- list(domain = dom[i], method = m, level = lev,
                                         estimate = num(res[i, "confident"]), se = num(SE(res)[i]),
                                         ci_low = num(ci[i, 1]), ci_high = num(ci[i, 2]))
      }
    }
  }
  mk <- function(deff) svyby(~confident, by_formula, design, svymean, deff = deff, na.rm = na_rm)
  d1 <- mk(TRUE)
  d2 <- mk("replace")
  dom <- apply(d1[, by_vars, drop = FALSE], 1, function(r) paste(trimws(r), collapse = ":"))
  extra <- list()
  for (i in seq_len(nrow(d1))) {
    key <- dom[i]
    inside <- as.character(keys) == key
    sub <- design[inside, ]
    extra[[key]] <- list(deff = num(d1[i, "DEff.confident"]), deff_replace = num(d2[i, "DEff.confident"]),
                         df = degf(sub),
                         mean_se = num(SE(d1)[i]))
  }
  list(rows = rows, domains = extra)
}

whole_rows <- function(design, levels = c(0.95, 0.9), na_rm = FALSE) {
  rows <- list()
  for (lev in levels) for (m in methods) {
    r <- if (na_rm) svyciprop(~confident, design, method = m, level = lev, na.rm = TRUE)
         else svyciprop(~confident, design, method = m, level = lev)
    ci <- attr(r, "ci")
    rows[[length(rows) + 1]] <- list(method = m, level = lev, estimate = num(r), se = num(sqrt(attr(r, "var"))),
                                     ci_low = num(ci[1]), ci_high = num(ci[2]))
  }
  m1 <- svymean(~confident, design, deff = TRUE, na.rm = na_rm)
  m2 <- svymean(~confident, design, deff = "replace", na.rm = na_rm)
  list(rows = rows, df = degf(design), deff = num(deff(m1)), deff_replace = num(deff(m2)),
       mean = num(coef(m1)), mean_se = num(SE(m1)))
}

designs <- list(
  apisrs = list(data = "apisrs.csv",
                spec = list(weight = "pw", fpc = "fpc"),
                des = svydesign(id = ~1, weights = ~pw, fpc = ~fpc, data = apisrs_d)),
  apisrs_nofpc = list(data = "apisrs.csv",
                      spec = list(weight = "pw"),
                      des = svydesign(id = ~1, weights = ~pw, data = apisrs_d)),
  apistrat = list(data = "apistrat.csv",
                  spec = list(weight = "pw", strata = "stype", fpc = "fpc"),
                  des = svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat_d)),
  apiclus1 = list(data = "apiclus1.csv",
                  spec = list(weight = "pw", cluster = "dnum", fpc = "fpc"),
                  des = svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1_d)),
  apiclus1_nofpc = list(data = "apiclus1.csv",
                        spec = list(weight = "pw", cluster = "dnum"),
                        des = svydesign(id = ~dnum, weights = ~pw, data = apiclus1_d)),
  # Two stages, weights from the fpcs: svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2).
  apiclus2 = list(data = "apiclus2.csv",
                  spec = list(cluster = "dnum", cluster2 = "snum", fpc = "fpc1", fpc2 = "fpc2"),
                  des = svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2_d)),
  # The same sample as one stage (ultimate cluster), with its weights.
  apiclus2_onestage = list(data = "apiclus2.csv",
                           spec = list(weight = "pw", cluster = "dnum"),
                           des = svydesign(id = ~dnum, weights = ~pw, data = apiclus2_d))
)

result <- list(
  versions = list(R = R.version.string, survey = as.character(packageVersion("survey")),
                  MASS = as.character(packageVersion("MASS"))),
  designs = list(), raked = list(), unweighted = list(), means = list()
)
for (nm in names(designs)) {
  d <- designs[[nm]]
  result$means[[nm]] <- list(data = d$data, spec = d$spec,
                             rows = numeric_rows(d$des, c("api00", "enroll", "avg_ed"), "stype"))
}
for (nm in names(designs)) {
  d <- designs[[nm]]
  result$designs[[nm]] <- list(
    data = d$data, spec = d$spec,
    whole = whole_rows(d$des),
    by_stype = domain_rows(d$des, ~stype, "stype"),
    by_stype_awards = domain_rows(d$des, ~stype + awards, c("stype", "awards"), levels = c(0.9))
  )
}

# apiclus2 raked to the population's school types and award counts (apipop): calibrate(calfun =
# "raking"), whose residuals go through both stages of the variance.
pop_stype <- table(apipop$stype)
pop_awards <- table(apipop$awards)
write.csv(rbind(data.frame(variable = "stype", category = names(pop_stype), population_count = as.vector(pop_stype)),
                data.frame(variable = "awards", category = names(pop_awards), population_count = as.vector(pop_awards))),
          file.path(out, "data", "apipop_margins.csv"), row.names = FALSE)
two_stage <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2_d)
pop_two <- c(`(Intercept)` = nrow(apipop), stypeH = pop_stype[["H"]], stypeM = pop_stype[["M"]],
             awardsYes = pop_awards[["Yes"]])
two_stage_raked <- calibrate(two_stage, ~stype + awards, population = pop_two, calfun = "raking",
                             epsilon = 1e-13, maxit = 200)
result$raked_two_stage <- list(
  data = "apiclus2.csv", margins = "apipop_margins.csv",
  spec = list(cluster = "dnum", cluster2 = "snum", fpc = "fpc1", fpc2 = "fpc2"),
  weights = num(weights(two_stage_raked)),
  whole = whole_rows(two_stage_raked),
  by_stype = domain_rows(two_stage_raked, ~stype, "stype"),
  means = numeric_rows(two_stage_raked, c("api00", "enroll"), "stype")
)

# Complete cases of a two-stage design: the design built again from the schools with an enrolment.
complete_two_stage <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, weights = ~pw,
                                data = apiclus2_d[!is.na(apiclus2_d$enroll), ])
result$complete_case_two_stage <- list(data = "apiclus2.csv",
                                       rows = numeric_rows(complete_two_stage, "enroll", "stype"))

# The lonely PSU, handled as options(survey.lonely.psu = "adjust") and "average" do.
for (opt in c("adjust", "average")) {
  options(survey.lonely.psu = opt)
  des <- svydesign(id = ~1, strata = ~lstrat, weights = ~pw, fpc = ~fpc, data = apistrat_lonely_d)
  result$designs[[paste0("apistrat_lonely_", opt)]] <- list(
    data = "apistrat_lonely.csv",
    spec = list(weight = "pw", strata = "lstrat", fpc = "fpc", lonely_psu = opt),
    whole = whole_rows(des),
    by_stype = domain_rows(des, ~stype, "stype"),
    by_stype_awards = domain_rows(des, ~stype + awards, c("stype", "awards"), levels = c(0.9))
  )
  result$means[[paste0("apistrat_lonely_", opt)]] <- list(
    data = "apistrat_lonely.csv", spec = list(weight = "pw", strata = "lstrat", fpc = "fpc", lonely_psu = opt),
    rows = numeric_rows(des, c("api00", "enroll"), "stype")
  )
}
options(survey.lonely.psu = "fail")

# The synthetic survey: stratified cluster design, then the same design calibrated by raking.
syn_des <- svydesign(id = ~psu, strata = ~area, weights = ~base_weight, data = syn, nest = TRUE)
pop_total <- c(`(Intercept)` = sum(pop_area), area = pop_area[-1], age_band = pop_age[-1], sex = pop_sex[-1])
syn$area <- factor(syn$area, levels = areas)
syn$age_band <- factor(syn$age_band)
syn$sex <- factor(syn$sex)
syn_des <- svydesign(id = ~psu, strata = ~area, weights = ~base_weight, data = syn, nest = TRUE)
mm <- model.matrix(~area + age_band + sex, syn)
pop <- c(sum(pop_area), pop_area[levels(syn$area)[-1]], pop_age[levels(syn$age_band)[-1]],
         pop_sex[levels(syn$sex)[-1]])
names(pop) <- colnames(mm)
cal_des <- calibrate(syn_des, ~area + age_band + sex, population = pop, calfun = "raking",
                     epsilon = 1e-13, maxit = 200)
rk_des <- rake(syn_des, list(~area, ~age_band, ~sex),
               list(data.frame(area = names(pop_area), Freq = unname(pop_area)),
                    data.frame(age_band = names(pop_age), Freq = unname(pop_age)),
                    data.frame(sex = names(pop_sex), Freq = unname(pop_sex))),
               control = list(maxit = 200, epsilon = 1e-13))
# The same raking on an unclustered, unstratified design (another code path for the raked SEs).
srs_des <- svydesign(id = ~1, weights = ~base_weight, data = syn)
srs_cal <- calibrate(srs_des, ~area + age_band + sex, population = pop, calfun = "raking",
                     epsilon = 1e-13, maxit = 200)
rk_mean <- svymean(~confident, rk_des, na.rm = TRUE)
cal_mean <- svymean(~confident, cal_des, na.rm = TRUE)

result$synthetic <- list(
  data = "synthetic.csv", margins = "synthetic_margins.csv",
  spec = list(weight = "base_weight", strata = "area", cluster = "psu"),
  unraked = list(whole = whole_rows(syn_des, na_rm = TRUE),
                 by_area = domain_rows(syn_des, ~area, "area", na_rm = TRUE),
                 by_area_wave = domain_rows(syn_des, ~area + wave, c("area", "wave"), na_rm = TRUE)),
  raked = list(weights = num(weights(cal_des)),
               whole = whole_rows(cal_des, na_rm = TRUE),
               by_area = domain_rows(cal_des, ~area, "area", na_rm = TRUE),
               by_area_wave = domain_rows(cal_des, ~area + wave, c("area", "wave"), na_rm = TRUE),
               rake_function_mean = num(coef(rk_mean)), rake_function_se = num(SE(rk_mean)),
               calibrate_mean = num(coef(cal_mean)), calibrate_se = num(SE(cal_mean))),
  raked_unclustered = list(spec = list(weight = "base_weight"),
                           whole = whole_rows(srs_cal, na_rm = TRUE),
                           by_area = domain_rows(srs_cal, ~area, "area", na_rm = TRUE),
                           by_area_wave = domain_rows(srs_cal, ~area + wave, c("area", "wave"), na_rm = TRUE))
)

# The 0 to 10 score: stratified and clustered, then raked (calibrate's linearisation), then raked
# without strata or clusters.
result$means$synthetic <- list(data = "synthetic.csv", spec = list(weight = "base_weight", strata = "area",
                                                                    cluster = "psu"),
                               rows = numeric_rows(syn_des, "score", "area"))
result$means$synthetic_raked <- list(data = "synthetic.csv", spec = list(weight = "base_weight", strata = "area",
                                                                          cluster = "psu"),
                                     raked = TRUE, rows = numeric_rows(cal_des, "score", "area"))
result$means$synthetic_raked_unclustered <- list(data = "synthetic.csv", spec = list(weight = "base_weight"),
                                                 raked = TRUE, rows = numeric_rows(srs_cal, "score", "area"))

# Change between waves in one area, as a contrast of two domain means (ratios) with their covariance:
# svycontrast(svyratio(..., covmat = TRUE)), which equals svycontrast(svyby(..., covmat = TRUE)) but,
# unlike svyby(covmat = TRUE), works on calibrated designs. Complete cases, raked afresh.
cc <- syn[!is.na(syn$confident), ]
cc$iA <- as.numeric(cc$area == "Altrincham" & cc$wave == "2025Q1")
cc$iB <- as.numeric(cc$area == "Altrincham" & cc$wave == "2025Q4")
cc$yA <- cc$confident * cc$iA
cc$yB <- cc$confident * cc$iB
contrast <- function(design) {
  r <- svyratio(~yA + yB, ~iA + iB, design, covmat = TRUE)
  con <- svycontrast(r, c("yA/iA" = -1, "yB/iB" = 1))
  list(base = "2025Q1", current = "2025Q4", where = "area=Altrincham",
       base_estimate = num(coef(r)["yA/iA"]), current_estimate = num(coef(r)["yB/iB"]),
       difference = num(coef(con)), se = num(SE(con)))
}
# Each wave raked on its own: one indicator per wave and area, and per wave and age band or sex
# after the first (full rank), each with that wave's population. calibrate() with these gives the
# weights of rake() run on each wave alone, and its linearisation accounts for every wave's raking.
pop_wave <- c()
for (w in sort(unique(cc$wave))) {
  for (a in levels(cc$area)) {
    nm <- make.names(paste("w", w, "area", a))
    cc[[nm]] <- as.numeric(cc$wave == w & cc$area == a)
    pop_wave[nm] <- pop_area[[a]]
  }
  for (g in levels(cc$age_band)[-1]) {
    nm <- make.names(paste("w", w, "age", g))
    cc[[nm]] <- as.numeric(cc$wave == w & cc$age_band == g)
    pop_wave[nm] <- pop_age[[g]]
  }
  for (x in levels(cc$sex)[-1]) {
    nm <- make.names(paste("w", w, "sex", x))
    cc[[nm]] <- as.numeric(cc$wave == w & cc$sex == x)
    pop_wave[nm] <- pop_sex[[x]]
  }
}
cc_des <- svydesign(id = ~psu, strata = ~area, weights = ~base_weight, data = cc, nest = TRUE)
cc_cal <- calibrate(cc_des, ~area + age_band + sex, population = pop, calfun = "raking",
                    epsilon = 1e-13, maxit = 200)
cc_waves <- calibrate(cc_des, as.formula(paste("~0 +", paste(names(pop_wave), collapse = " + "))),
                      population = pop_wave, calfun = "raking", epsilon = 1e-13, maxit = 200)
# The same weights from rake() on each wave's respondents alone.
one_wave <- function(w) {
  d <- svydesign(id = ~psu, strata = ~area, weights = ~base_weight, data = cc[cc$wave == w, ], nest = TRUE)
  r <- rake(d, list(~area, ~age_band, ~sex),
            list(data.frame(area = names(pop_area), Freq = unname(pop_area)),
                 data.frame(age_band = names(pop_age), Freq = unname(pop_age)),
                 data.frame(sex = names(pop_sex), Freq = unname(pop_sex))),
            control = list(maxit = 200, epsilon = 1e-13))
  weights(r)
}
rake_alone <- numeric(nrow(cc))
for (w in unique(cc$wave)) rake_alone[cc$wave == w] <- one_wave(w)
each <- contrast(cc_waves)
each$weights <- num(weights(cc_waves))
each$rake_alone_weights <- num(rake_alone)
result$synthetic$change <- list(complete_cases = TRUE, unraked = contrast(cc_des), raked = contrast(cc_cal),
                                raked_each_wave = each)

# Unweighted intervals: Wilson (prop.test without continuity correction) and Clopper-Pearson.
for (nm in c("apisrs", "apiclus1")) {
  d <- designs[[nm]]$des$variables
  x <- sum(d$confident)
  nn <- nrow(d)
  for (lev in c(0.95, 0.9)) {
    w <- prop.test(x, nn, conf.level = lev, correct = FALSE)$conf.int
    cp <- binom.test(x, nn, conf.level = lev)$conf.int
    result$unweighted[[length(result$unweighted) + 1]] <- list(
      dataset = nm, x = x, n = nn, level = lev, wilson = num(w), clopper_pearson = num(cp))
  }
}

# Planning: power.prop.test.
plans <- list()
for (alt in c("two.sided", "one.sided")) for (pw in c(0.8, 0.9)) {
  r <- power.prop.test(p1 = 0.56, p2 = 0.61, power = pw, sig.level = 0.05, alternative = alt)
  plans[[length(plans) + 1]] <- list(p1 = 0.56, p2 = 0.61, power = pw, alpha = 0.05, alternative = alt,
                                     n = num(r$n))
  r2 <- power.prop.test(n = 800, p1 = 0.56, p2 = 0.61, sig.level = 0.05, alternative = alt)
  plans[[length(plans) + 1]] <- list(p1 = 0.56, p2 = 0.61, n = 800, alpha = 0.05, alternative = alt,
                                     power = num(r2$power))
}
result$planning <- plans

# Planning against a target: how many respondents would show that a proportion p is above a target
# (the one-sided t test of analysis.change.above_target), as a one-sample power.t.test.
above <- list()
for (case in list(c(0.642, 0.61), c(0.58, 0.56), c(0.7, 0.61))) for (pw in c(0.8, 0.9)) {
  p <- case[1]
  target <- case[2]
  r <- power.t.test(delta = p - target, sd = sqrt(p * (1 - p)), sig.level = 0.05, power = pw,
                    type = "one.sample", alternative = "one.sided")
  r2 <- power.t.test(n = 500, delta = p - target, sd = sqrt(p * (1 - p)), sig.level = 0.05,
                     type = "one.sample", alternative = "one.sided")
  above[[length(above) + 1]] <- list(p = p, target = target, power = pw, alpha = 0.05, n = num(r$n),
                                     power_at_500 = num(r2$power))
}
result$planning_above_target <- above

# Counts: exact Poisson intervals and tests (poisson.test), one sample and the rate ratio of two, for
# the board's KPIs (small cohorts such as 43 repeat victims). A one-sided interval has an infinite end,
# written as the string "Inf".
finite <- function(v) if (is.finite(v)) unname(v) else if (is.nan(v)) "NaN" else if (v > 0) "Inf" else "-Inf"
pois_one <- list()
for (case in list(c(0, 1, 1), c(3, 1, 1), c(9, 1, 12.3), c(34, 1, 43), c(43, 1, 34.4), c(120, 4, 25),
                  c(7, 2.5, 0.5), c(1, 1, 0.01), c(2500, 12, 190))) {
  for (alt in c("two.sided", "less", "greater")) for (lev in c(0.95, 0.9)) {
    r <- poisson.test(case[1], T = case[2], r = case[3], alternative = alt, conf.level = lev)
    pois_one[[length(pois_one) + 1]] <- list(
      x = case[1], exposure = case[2], rate = case[3], alternative = alt, level = lev,
      estimate = finite(r$estimate), ci_low = finite(r$conf.int[1]), ci_high = finite(r$conf.int[2]),
      p_value = num(r$p.value))
  }
}
result$poisson_one <- pois_one
pois_two <- list()
for (case in list(c(34, 43, 1, 1, 1), c(34, 43, 1, 1, 0.8), c(9, 12, 1, 1, 1), c(0, 5, 1, 1, 1),
                  c(5, 0, 1, 1, 1), c(10, 10, 1, 1, 1), c(120, 150, 4, 4, 1), c(11, 30, 0.25, 1, 1),
                  c(655, 590, 235.052, 235.052, 1), c(38, 43, 1, 1, 0.8))) {
  for (alt in c("two.sided", "less", "greater")) for (lev in c(0.95, 0.9)) {
    r <- poisson.test(case[1:2], T = case[3:4], r = case[5], alternative = alt, conf.level = lev)
    pois_two[[length(pois_two) + 1]] <- list(
      x = case[1], base = case[2], exposure = case[3], base_exposure = case[4], ratio = case[5],
      alternative = alt, level = lev, estimate = finite(r$estimate), ci_low = finite(r$conf.int[1]),
      ci_high = finite(r$conf.int[2]), p_value = num(r$p.value))
  }
}
result$poisson_two <- pois_two

writeLines(toJSON(result, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           file.path(out, "expected", "r_expected.json"))
