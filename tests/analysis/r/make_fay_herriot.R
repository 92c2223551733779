# Expected numbers for the Fay-Herriot ward estimates (analysis/smallarea.py).
#
# R's sae package (eblupFH, mseFH) is not packaged for Debian, so this script writes the model out
# from Rao and Molina, Small Area Estimation (2nd ed., 2015), chapter 6, as sae does:
#   REML for the area variance A: the root of the restricted score -tr(P)/2 + y'PPy/2, set to 0 when
#   the score is negative at 0 (checked against a direct maximisation of the restricted likelihood);
#   beta by GLS; EBLUP gamma y + (1 - gamma) x'beta; MSE g1 + g2 + 2 g3 (Prasad-Rao, REML; sae's mseFH);
#   for an area without a usable direct estimate, x'beta with MSE A + x'(X'V^-1X)^-1 x.
# The direct estimates of the survey case are svyby(svymean) by ward.
# Ran on R 4.2.2 with survey 4.1-1. Regenerate from the repository root:
#     Rscript tests/analysis/r/make_fay_herriot.R tests/analysis
suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "tests/analysis"
num <- function(x) unname(as.numeric(x))

fh_fit <- function(y, psi, X, level = 0.95) {
  fitted <- is.finite(y) & is.finite(psi) & psi > 0
  ys <- y[fitted]
  ps <- psi[fitted]
  Xs <- X[fitted, , drop = FALSE]
  p_of <- function(A) {
    Vi <- 1 / (A + ps)
    XtVi <- t(Xs * Vi)
    Q <- solve(XtVi %*% Xs)
    diag(Vi) - t(XtVi) %*% Q %*% XtVi
  }
  score <- function(A) {
    P <- p_of(A)
    Py <- P %*% ys
    -0.5 * sum(diag(P)) + 0.5 * sum(Py^2)
  }
  loglik <- function(A) {
    V <- A + ps
    XtViX <- t(Xs / V) %*% Xs
    -0.5 * sum(log(V)) - 0.5 * as.numeric(determinant(XtViX)$modulus) - 0.5 * as.numeric(t(ys) %*% p_of(A) %*% ys)
  }
  if (score(0) <= 0) {
    A <- 0
    truncated <- TRUE
  } else {
    hi <- var(ys) + max(ps)
    while (score(hi) > 0) hi <- 2 * hi
    A <- uniroot(score, c(0, hi), tol = 1e-16, maxiter = 10000)$root
    best <- optimize(loglik, c(0, hi), maximum = TRUE, tol = 1e-14)$maximum
    stopifnot(abs(best - A) <= 1e-6 * A)
    truncated <- FALSE
  }
  Vi <- 1 / (A + ps)
  Q <- solve(t(Xs * Vi) %*% Xs)
  beta <- as.vector(Q %*% t(Xs * Vi) %*% ys)
  varA <- 2 / sum(Vi^2)
  z <- qnorm(1 - (1 - level) / 2)
  synth <- as.vector(X %*% beta)
  lev <- rowSums((X %*% Q) * X)
  areas <- list()
  for (d in seq_along(y)) {
    if (fitted[d]) {
      b <- psi[d] / (A + psi[d])
      gamma <- A / (A + psi[d])
      mse <- psi[d] * (1 - b) + b^2 * lev[d] + 2 * b^2 * varA / (A + psi[d])
      est <- gamma * y[d] + (1 - gamma) * synth[d]
      kind <- "model"
    } else {
      gamma <- 0
      mse <- A + lev[d]
      est <- synth[d]
      kind <- "synthetic"
    }
    areas[[d]] <- list(estimate = est, mse = mse, ci_low = est - z * sqrt(mse), ci_high = est + z * sqrt(mse),
                       kind = kind, shrinkage = gamma, synthetic = synth[d])
  }
  list(area_variance = A, area_variance_se = sqrt(varA), truncated = truncated, beta = beta,
       beta_se = sqrt(diag(Q)), level = level, areas = areas)
}

set.seed(20261203)
result <- list(versions = list(R = R.version.string, survey = as.character(packageVersion("survey"))))

# 1. Areas drawn from the model: 21 areas, two covariates, A = 0.01, three areas without a
#    direct estimate.
m <- 21
sim <- data.frame(area = sprintf("area%02d", 1:m), x1 = round(runif(m, 0, 1), 4), x2 = round(rnorm(m), 4))
n_d <- sample(c(30, 60, 120, 240, 480), m, replace = TRUE)
theta <- 0.55 + 0.1 * sim$x1 - 0.03 * sim$x2 + rnorm(m, 0, sqrt(0.01))
sim$variance <- round(theta * (1 - theta) / n_d * 1.3, 8)
sim$direct <- round(theta + rnorm(m, 0, sqrt(sim$variance)), 8)
sim$direct[c(4, 11, 19)] <- NA
sim$variance[c(4, 11, 19)] <- NA
write.csv(sim, file.path(out, "data", "fh_areas.csv"), row.names = FALSE, na = "")
X <- cbind(1, sim$x1, sim$x2)
result$areas <- list(data = "fh_areas.csv", covariates = c("x1", "x2"),
                     fit = fh_fit(sim$direct, sim$variance, X),
                     fit_90 = fh_fit(sim$direct, sim$variance, X, level = 0.9),
                     intercept_only = fh_fit(sim$direct, sim$variance, X[, 1, drop = FALSE]))

# 2. Areas that vary less than their sampling errors say they should: REML truncated at 0.
flat <- data.frame(area = sprintf("area%02d", 1:12), x1 = round(seq(0, 1, length.out = 12), 4))
flat$variance <- 0.01
flat$direct <- round(0.5 + 0.2 * flat$x1 + c(0.01, -0.01, 0.005, -0.004, 0.002, 0, -0.003, 0.004, -0.002, 0.001, 0, -0.001), 8)
write.csv(flat, file.path(out, "data", "fh_flat.csv"), row.names = FALSE, na = "")
result$flat <- list(data = "fh_flat.csv", covariates = "x1",
                    fit = fh_fit(flat$direct, flat$variance, cbind(1, flat$x1)))

# 3. From a survey: respondents in 21 wards (one with nobody, one where everybody agreed), direct
#    estimates and variances by svyby(svymean), two ward-level auxiliary variables.
wards <- data.frame(ward = sprintf("ward%02d", 1:m), under_16_share = round(runif(m, 0.15, 0.28), 4),
                    growth = round(runif(m, -0.01, 0.1), 4))
u <- rnorm(m, 0, 0.35)
size <- c(0, 3, sample(8:90, m - 2, replace = TRUE))
rows <- list()
for (d in 1:m) {
  if (size[d] == 0) next
  p <- plogis(-0.6 + 6 * wards$under_16_share[d] - 4 * wards$growth[d] + u[d])
  yy <- rbinom(size[d], 1, p)
  if (d == 2) yy[] <- 1
  rows[[d]] <- data.frame(ward = wards$ward[d], y = yy, w = round(runif(size[d], 20, 80), 2))
}
survey_d <- do.call(rbind, rows)
write.csv(survey_d, file.path(out, "data", "fh_survey.csv"), row.names = FALSE, na = "")
write.csv(wards, file.path(out, "data", "fh_wards.csv"), row.names = FALSE, na = "")
des <- svydesign(id = ~1, weights = ~w, data = survey_d)
by <- svyby(~y, ~ward, des, svymean)
direct <- rep(NA_real_, m)
psi <- rep(NA_real_, m)
idx <- match(as.character(by$ward), wards$ward)
direct[idx] <- by$y
psi[idx] <- SE(by)^2
n_ward <- as.vector(table(factor(survey_d$ward, levels = wards$ward)))
# A ward with fewer than two respondents or a zero variance has no usable direct estimate.
unusable <- n_ward < 2 | !(psi > 0)
psi_fit <- psi
psi_fit[unusable] <- NA
result$survey <- list(data = "fh_survey.csv", auxiliary = "fh_wards.csv",
                      covariates = c("under_16_share", "growth"), direct = direct, direct_variance = psi,
                      n = n_ward, fit = fh_fit(direct, psi_fit, cbind(1, wards$under_16_share, wards$growth)))

writeLines(toJSON(result, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "string"),
           file.path(out, "expected", "fh_expected.json"))
