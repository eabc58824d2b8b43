# Side-by-side timing of R's metafor for the pooling bench (benches/pool.rs).
# Usage: Rscript scripts/bench-metafor.R   (needs r-base-core r-cran-metafor)
# Prints the median seconds per call of rma(method = "REML") for k = 10..1000
# and of 1,000 separate fits of k = 20. Data simulated as in the Rust bench
# (true effect 0.4, tau 0.3, vi uniform on 0.01..0.21), not the same draws.
suppressPackageStartupMessages(library(metafor))
set.seed(42)
sim <- function(k) { vi <- 0.01 + 0.2 * runif(k); list(yi = 0.4 + 0.3 * rnorm(k) + sqrt(vi) * rnorm(k), vi = vi) }
med <- function(f, n) median(sapply(seq_len(n), function(i) system.time(f())[["elapsed"]]))
for (k in c(10, 100, 1000)) {
  d <- sim(k)
  reps <- if (k <= 100) 200 else 5
  # time a batch to get below the timer resolution for small k
  batch <- if (k <= 100) 20 else 1
  t <- med(function() for (j in seq_len(batch)) rma(d$yi, d$vi, method = "REML"), reps) / batch
  cat(sprintf("metafor REML k=%d: %.3f ms per fit\n", k, 1000 * t))
}
cells <- lapply(1:1000, function(i) sim(20))
# metafor fails to converge on a few random cells; those count as done (try).
fails <- sum(sapply(cells, function(d) inherits(try(rma(d$yi, d$vi, method = "REML"), silent = TRUE), "try-error")))
cat(sprintf("metafor failed on %d of 1000 cells\n", fails))
t <- med(function() for (d in cells) try(rma(d$yi, d$vi, method = "REML"), silent = TRUE), 3)
cat(sprintf("metafor 1000 REML fits of k=20: %.2f s\n", t))
