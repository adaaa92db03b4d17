// matrix.hpp — a small dense matrix template with value semantics.
//
// Good enough for teaching and for the 3x3 / 4x4 transforms of a toy renderer;
// for real numerical work use Eigen or BLAS.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <ostream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace linalg {

template <typename T>
concept Arithmetic = std::is_arithmetic_v<T>;

template <Arithmetic T>
class Matrix {
public:
    using value_type = T;
    using size_type = std::size_t;

    Matrix() = default;

    Matrix(size_type rows, size_type cols, T fill = T{})
        : rows_(rows), cols_(cols), data_(rows * cols, fill) {}

    Matrix(std::initializer_list<std::initializer_list<T>> init)
        : rows_(init.size()), cols_(init.size() ? init.begin()->size() : 0) {
        data_.reserve(rows_ * cols_);
        for (const auto& row : init) {
            if (row.size() != cols_) {
                throw std::invalid_argument("Matrix: ragged initializer list");
            }
            data_.insert(data_.end(), row.begin(), row.end());
        }
    }

    static Matrix identity(size_type n) {
        Matrix m(n, n);
        for (size_type i = 0; i < n; ++i) m(i, i) = T{1};
        return m;
    }

    [[nodiscard]] size_type rows() const noexcept { return rows_; }
    [[nodiscard]] size_type cols() const noexcept { return cols_; }
    [[nodiscard]] bool is_square() const noexcept { return rows_ == cols_; }

    T& operator()(size_type r, size_type c) { return data_[r * cols_ + c]; }
    const T& operator()(size_type r, size_type c) const { return data_[r * cols_ + c]; }

    T& at(size_type r, size_type c) {
        check_bounds(r, c);
        return (*this)(r, c);
    }

    Matrix& operator+=(const Matrix& other) {
        require_same_shape(other, "+=");
        std::transform(data_.begin(), data_.end(), other.data_.begin(), data_.begin(),
                       [](T a, T b) { return a + b; });
        return *this;
    }

    Matrix& operator*=(T scalar) {
        for (auto& x : data_) x *= scalar;
        return *this;
    }

    friend Matrix operator+(Matrix lhs, const Matrix& rhs) { return lhs += rhs; }
    friend Matrix operator*(Matrix lhs, T scalar) { return lhs *= scalar; }

    friend Matrix operator*(const Matrix& a, const Matrix& b) {
        if (a.cols_ != b.rows_) {
            throw std::invalid_argument("Matrix: inner dimensions differ");
        }
        Matrix out(a.rows_, b.cols_);
        // i-k-j loop order keeps the inner loop contiguous in both b and out.
        for (size_type i = 0; i < a.rows_; ++i) {
            for (size_type k = 0; k < a.cols_; ++k) {
                const T aik = a(i, k);
                for (size_type j = 0; j < b.cols_; ++j) {
                    out(i, j) += aik * b(k, j);
                }
            }
        }
        return out;
    }

    [[nodiscard]] Matrix transposed() const {
        Matrix t(cols_, rows_);
        for (size_type r = 0; r < rows_; ++r)
            for (size_type c = 0; c < cols_; ++c) t(c, r) = (*this)(r, c);
        return t;
    }

    /// Determinant by Gaussian elimination with partial pivoting (floating point only).
    [[nodiscard]] double determinant() const {
        if (!is_square()) throw std::domain_error("determinant of a non-square matrix");
        std::vector<double> a(data_.begin(), data_.end());
        const size_type n = rows_;
        double det = 1.0;
        for (size_type col = 0; col < n; ++col) {
            size_type pivot = col;
            for (size_type r = col + 1; r < n; ++r) {
                if (std::abs(a[r * n + col]) > std::abs(a[pivot * n + col])) pivot = r;
            }
            if (std::abs(a[pivot * n + col]) < 1e-12) return 0.0;
            if (pivot != col) {
                for (size_type c = 0; c < n; ++c) std::swap(a[col * n + c], a[pivot * n + c]);
                det = -det;
            }
            det *= a[col * n + col];
            for (size_type r = col + 1; r < n; ++r) {
                const double factor = a[r * n + col] / a[col * n + col];
                for (size_type c = col; c < n; ++c) a[r * n + c] -= factor * a[col * n + c];
            }
        }
        return det;
    }

    bool operator==(const Matrix&) const = default;

    friend std::ostream& operator<<(std::ostream& os, const Matrix& m) {
        for (size_type r = 0; r < m.rows_; ++r) {
            os << (r == 0 ? "⎡ " : r + 1 == m.rows_ ? "⎣ " : "⎢ ");
            for (size_type c = 0; c < m.cols_; ++c) os << m(r, c) << ' ';
            os << '\n';
        }
        return os;
    }

private:
    void check_bounds(size_type r, size_type c) const {
        if (r >= rows_ || c >= cols_) throw std::out_of_range("Matrix::at: index out of range");
    }

    void require_same_shape(const Matrix& other, const char* op) const {
        if (rows_ != other.rows_ || cols_ != other.cols_) {
            throw std::invalid_argument(std::string("Matrix ") + op + ": shapes differ");
        }
    }

    size_type rows_ = 0;
    size_type cols_ = 0;
    std::vector<T> data_;
};

using Matrix3d = Matrix<double>;

}  // namespace linalg
