#pragma once

#include <QString>

#include <utility>
#include <variant>

namespace txpulse {

// An expected failure as a value: broker down, timeout, malformed input, bad configuration.
// `code` is a short stable identifier ("redis.io", "kafka.transport", "config.key"), `message` is for
// humans and logs, `retriable` tells the caller whether trying again later can succeed.
struct Error {
    QString code;
    QString message;
    bool retriable = false;
};

// A minimal std::expected stand-in (C++23's is not available under C++20 with GCC 12).
template<typename T>
class [[nodiscard]] Expected {
public:
    Expected(T value) : m_v(std::in_place_index<0>, std::move(value)) {}
    Expected(Error error) : m_v(std::in_place_index<1>, std::move(error)) {}

    bool hasValue() const { return m_v.index() == 0; }
    explicit operator bool() const { return hasValue(); }

    T &value() & { return std::get<0>(m_v); }
    const T &value() const & { return std::get<0>(m_v); }
    T &&value() && { return std::get<0>(std::move(m_v)); }
    T *operator->() { return &std::get<0>(m_v); }
    const T *operator->() const { return &std::get<0>(m_v); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }

    const Error &error() const { return std::get<1>(m_v); }

private:
    std::variant<T, Error> m_v;
};

template<>
class [[nodiscard]] Expected<void> {
public:
    Expected() = default;
    Expected(Error error) : m_error(std::move(error)), m_ok(false) {}

    bool hasValue() const { return m_ok; }
    explicit operator bool() const { return m_ok; }
    const Error &error() const { return m_error; }

private:
    Error m_error;
    bool m_ok = true;
};

} // namespace txpulse
