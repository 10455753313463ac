# Peer timing for benchmarks/README.md: fGarch::garchFit(~garch(1,1), cond.dist = "norm") on
# returns_6k.csv, measured inside R (the file is read and fGarch loaded before the clock
# starts), best of REPEATS runs. Usage: Rscript time_fgarch.R returns_6k.csv [REPEATS]
args <- commandArgs(trailingOnly = TRUE)
repeats <- if (length(args) > 1) as.integer(args[2]) else 5L
suppressPackageStartupMessages(library(fGarch))
r <- read.csv(args[1])$r
best <- Inf
for (i in seq_len(repeats)) {
  start <- proc.time()[["elapsed"]]
  fit <- garchFit(~ garch(1, 1), data = r, cond.dist = "norm", include.mean = TRUE, trace = FALSE)
  best <- min(best, proc.time()[["elapsed"]] - start)
}
cat(sprintf("fGarch %s garchFit normal: %.1f ms (best of %d; omega %.6g alpha %.6g beta %.6g)\n",
            packageVersion("fGarch"), best * 1e3, repeats, coef(fit)[["omega"]], coef(fit)[["alpha1"]],
            coef(fit)[["beta1"]]))
