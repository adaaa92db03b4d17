// demo_matrix.cpp — exercises linalg::Matrix: rotation, composition, determinant.
#include <cmath>
#include <iostream>
#include <numbers>

#include "matrix.hpp"

namespace {

linalg::Matrix3d rotation_z(double radians) {
    const double c = std::cos(radians);
    const double s = std::sin(radians);
    return {{c, -s, 0.0}, {s, c, 0.0}, {0.0, 0.0, 1.0}};
}

linalg::Matrix3d scale(double sx, double sy) {
    return {{sx, 0.0, 0.0}, {0.0, sy, 0.0}, {0.0, 0.0, 1.0}};
}

}  // namespace

int main() {
    const auto quarter_turn = rotation_z(std::numbers::pi / 2);
    const auto stretch = scale(2.0, 0.5);
    const auto combined = stretch * quarter_turn;

    std::cout << "combined =\n" << combined;
    std::cout << "det(combined) = " << combined.determinant() << "  (expected 1.0)\n";

    linalg::Matrix<int> counts(2, 3, 7);
    counts += linalg::Matrix<int>{{1, 2, 3}, {4, 5, 6}};
    std::cout << "counts^T =\n" << counts.transposed();

    try {
        (void)(counts * counts);
    } catch (const std::invalid_argument& e) {
        std::cout << "caught: " << e.what() << '\n';
    }
    return 0;
}
