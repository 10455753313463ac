// SPDX-License-Identifier: MIT
/// @file
/// @brief `any_rate_policy` and `any_position_policy`: a policy type the library does not know,
///        held behind the policy concepts so that a run-time chain can carry it.
///
/// The library's own policies sit in the run-time chain as alternatives of a `std::variant`
/// (runtime/engine.hpp), with no indirection. A user's policy type cannot be one of those
/// alternatives without editing the library, so it goes into the chain wrapped in one of these:
/// one virtual call per update or quote, noexcept and allocation-free as the wrapped policy
/// is. Copying the wrapper copies the policy (set-up time only). The optional capabilities of
/// a rate policy (setting the maintenance ratio, observing the published margin, reporting an
/// APC buffer) are forwarded when the wrapped type has them.
///
/// A policy's state travels as `any_rate_policy::state_type`, which holds a copy of the wrapped
/// policy's own state; restoring the state of another policy type is refused.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "dynmargin/core/error.hpp"
#include "dynmargin/margin/concepts.hpp"

namespace dynmargin {

/// @brief A rate policy of any type satisfying `rate_policy` (see the file comment).
class any_rate_policy {
  struct erased_state {
    virtual ~erased_state() = default;
    [[nodiscard]] virtual bool equals(const erased_state& other) const noexcept = 0;
  };
  template <class S>
  struct held_state final : erased_state {
    explicit held_state(S s) : value(std::move(s)) {}
    [[nodiscard]] bool equals(const erased_state& other) const noexcept override {
      const auto* same = dynamic_cast<const held_state*>(&other);
      return same != nullptr && same->value == value;
    }
    S value;
  };

 public:
  using model_concept = rate_policy_tag;

  /// @brief The wrapped policy's state (empty for a default-constructed one).
  struct state_type {
    std::shared_ptr<const erased_state> held;
    friend bool operator==(const state_type& a, const state_type& b) noexcept {
      if (!a.held || !b.held) return !a.held && !b.held;
      return a.held->equals(*b.held);
    }
  };

  /// @brief Wraps `policy` (any `rate_policy` but another wrapper).
  // The exclusion comes first: checking rate_policy<any_rate_policy> asks whether it is copyable, which
  // would otherwise consider this constructor again (endless recursion in clang).
  template <class P>
  requires(!std::is_same_v<std::remove_cvref_t<P>, any_rate_policy> &&
           rate_policy<P>) explicit any_rate_policy(P policy)
      : impl_(std::make_unique<model<P>>(std::move(policy))) {}

  any_rate_policy(const any_rate_policy& other) : impl_(other.impl_ ? other.impl_->clone() : nullptr) {}
  any_rate_policy(any_rate_policy&&) noexcept = default;
  any_rate_policy& operator=(const any_rate_policy& other) {
    if (this != &other) impl_ = other.impl_ ? other.impl_->clone() : nullptr;
    return *this;
  }
  any_rate_policy& operator=(any_rate_policy&&) noexcept = default;
  ~any_rate_policy() = default;

  [[nodiscard]] std::string_view name() const noexcept { return impl_->name(); }
  [[nodiscard]] margin_rates update(const market_context& context, margin_rates rates) noexcept {
    return impl_->update(context, rates);
  }
  [[nodiscard]] double maintenance_fraction_after(double before) const noexcept {
    return impl_->maintenance_fraction_after(before);
  }
  void observe_published(const margin_rates& published) noexcept { impl_->observe_published(published); }
  [[nodiscard]] apc_buffer_report apc_buffer_report_after(const apc_buffer_report& before) const noexcept {
    return impl_->apc_buffer_report_after(before);
  }
  [[nodiscard]] state_type state() const { return impl_->state(); }
  /// @throws dynmargin::invalid_argument naming the policy when `saved` is another type's state;
  ///         the policy is then unchanged.
  void restore(const state_type& saved) { impl_->restore(saved); }

  /// @brief The wrapped policy, or nullptr when it is not a `P`.
  template <class P>
  [[nodiscard]] const P* get_if() const noexcept {
    const auto* m = dynamic_cast<const model<P>*>(impl_.get());
    return m == nullptr ? nullptr : &m->policy;
  }

 private:
  struct concept_base {
    virtual ~concept_base() = default;
    [[nodiscard]] virtual std::unique_ptr<concept_base> clone() const = 0;
    [[nodiscard]] virtual std::string_view name() const noexcept = 0;
    virtual margin_rates update(const market_context& context, margin_rates rates) noexcept = 0;
    [[nodiscard]] virtual double maintenance_fraction_after(double before) const noexcept = 0;
    virtual void observe_published(const margin_rates& published) noexcept = 0;
    [[nodiscard]] virtual apc_buffer_report apc_buffer_report_after(const apc_buffer_report& before) const noexcept = 0;
    [[nodiscard]] virtual state_type state() const = 0;
    virtual void restore(const state_type& saved) = 0;
  };
  template <class P>
  struct model final : concept_base {
    explicit model(P p) : policy(std::move(p)) {}
    [[nodiscard]] std::unique_ptr<concept_base> clone() const override { return std::make_unique<model>(*this); }
    [[nodiscard]] std::string_view name() const noexcept override { return policy.name(); }
    margin_rates update(const market_context& context, margin_rates rates) noexcept override {
      return policy.update(context, rates);
    }
    [[nodiscard]] double maintenance_fraction_after(double before) const noexcept override {
      return dynmargin::maintenance_fraction_after(policy, before);
    }
    void observe_published(const margin_rates& published) noexcept override {
      dynmargin::observe_published(policy, published);
    }
    [[nodiscard]] apc_buffer_report apc_buffer_report_after(const apc_buffer_report& before) const noexcept override {
      return dynmargin::apc_buffer_report_after(policy, before);
    }
    [[nodiscard]] state_type state() const override {
      return state_type{std::make_shared<const held_state<typename P::state_type>>(policy.state())};
    }
    void restore(const state_type& saved) override {
      const auto* s = dynamic_cast<const held_state<typename P::state_type>*>(saved.held.get());
      if (s == nullptr) {
        throw_invalid_argument("any_rate_policy", "state", "must be a state of this policy's type",
                               std::string(policy.name()));
      }
      policy.restore(s->value);
    }
    P policy;
  };

  std::unique_ptr<concept_base> impl_;
};

/// @brief A position policy of any type satisfying `position_policy` (see the file comment).
class any_position_policy {
 public:
  using model_concept = position_policy_tag;

  /// @brief Wraps `policy` (any `position_policy` but another wrapper).
  // The exclusion comes first: checking position_policy<any_position_policy> asks whether it is copyable, which
  // would otherwise consider this constructor again (endless recursion in clang).
  template <class P>
  requires(!std::is_same_v<std::remove_cvref_t<P>, any_position_policy> &&
           position_policy<P>) explicit any_position_policy(P policy)
      : impl_(std::make_unique<model<P>>(std::move(policy))) {}

  any_position_policy(const any_position_policy& other) : impl_(other.impl_ ? other.impl_->clone() : nullptr) {}
  any_position_policy(any_position_policy&&) noexcept = default;
  any_position_policy& operator=(const any_position_policy& other) {
    if (this != &other) impl_ = other.impl_ ? other.impl_->clone() : nullptr;
    return *this;
  }
  any_position_policy& operator=(any_position_policy&&) noexcept = default;
  ~any_position_policy() = default;

  [[nodiscard]] std::string_view name() const noexcept { return impl_->name(); }
  [[nodiscard]] margin_amounts apply(const position_context& context, margin_amounts amounts) const noexcept {
    return impl_->apply(context, amounts);
  }

  /// @brief The wrapped policy, or nullptr when it is not a `P`.
  template <class P>
  [[nodiscard]] const P* get_if() const noexcept {
    const auto* m = dynamic_cast<const model<P>*>(impl_.get());
    return m == nullptr ? nullptr : &m->policy;
  }

 private:
  struct concept_base {
    virtual ~concept_base() = default;
    [[nodiscard]] virtual std::unique_ptr<concept_base> clone() const = 0;
    [[nodiscard]] virtual std::string_view name() const noexcept = 0;
    [[nodiscard]] virtual margin_amounts apply(const position_context& context,
                                               margin_amounts amounts) const noexcept = 0;
  };
  template <class P>
  struct model final : concept_base {
    explicit model(P p) : policy(std::move(p)) {}
    [[nodiscard]] std::unique_ptr<concept_base> clone() const override { return std::make_unique<model>(*this); }
    [[nodiscard]] std::string_view name() const noexcept override { return policy.name(); }
    [[nodiscard]] margin_amounts apply(const position_context& context,
                                       margin_amounts amounts) const noexcept override {
      return policy.apply(context, amounts);
    }
    P policy;
  };

  std::unique_ptr<concept_base> impl_;
};

}  // namespace dynmargin
