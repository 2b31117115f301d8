#include <iostream>

int main() {
  std::cout << "strata-cli\n";
  return 0;
}
