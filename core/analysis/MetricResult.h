#pragma once
// The value type every analysis metric returns: the number, its error bar, which variant
// computed it with which parameters, and warnings (duplicates removed, steps skipped...)
// instead of silent NaNs.
#include <map>
#include <string>
#include <vector>

namespace strata {

struct MetricResult {
  std::string metric;   ///< "id.twonn", "curvature.trajectory", ...
  std::string variant;  ///< "dadapy", "skdim", "ml", "hosseini", "skean", ...
  double value = 0.0;
  double error = 0.0;  ///< standard error (bootstrap/decimation) or 0 when not computed
  std::map<std::string, double> parameters;  ///< k, fraction, alpha, bootstrap count...
  std::vector<std::string> warnings;
};

}  // namespace strata
