// Keeps the analysis object library non-empty until the first metric lands.
