# SPDX-License-Identifier: MIT
"""Conan 2 recipe for dynmargin, a header-only C++20 library.

The package is the CMake install tree without its CMake and pkg-config files: Conan's
generators write their own (CMakeDeps: dynmargin-config.cmake with the target
dynmargin::dynmargin; PkgConfigDeps: dynmargin.pc), from package_info() below.
"""
import os

from conan import ConanFile
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy, rmdir

required_conan_version = ">=2.0"


class DynmarginConan(ConanFile):
    name = "dynmargin"
    version = "0.1.0"
    license = "MIT"
    description = ("Header-only C++20 library for dynamic margin adjustment in crypto derivatives: "
                   "volatility models, VaR/ES, margin policies, backtests")
    topics = ("finance", "risk", "margin", "volatility", "garch", "crypto", "header-only")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    exports_sources = "CMakeLists.txt", "cmake/*", "include/*", "LICENSE"
    no_copy_source = True
    # runtime: the run-time engine (dynmargin::runtime, include/dynmargin/runtime/), which needs
    # nlohmann_json; the core needs only Eigen and Boost.
    options = {"runtime": [True, False]}
    # Boost.Math is header-only; nothing of Boost needs compiling.
    default_options = {"runtime": True, "boost/*:header_only": True}

    def requirements(self):
        self.requires("eigen/3.4.0")
        self.requires("boost/1.83.0")
        if self.options.runtime:
            self.requires("nlohmann_json/3.11.3")

    def validate(self):
        check_min_cppstd(self, 20)

    def layout(self):
        cmake_layout(self)

    def generate(self):
        CMakeDeps(self).generate()
        toolchain = CMakeToolchain(self)
        toolchain.cache_variables["DYNMARGIN_BUILD_TESTS"] = False
        toolchain.cache_variables["DYNMARGIN_BUILD_EXAMPLES"] = False
        toolchain.cache_variables["DYNMARGIN_BUILD_BENCHMARKS"] = False
        toolchain.generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()

    def package(self):
        CMake(self).install()
        # Every header, runtime/ included, whatever nlohmann_json the build found: the package is
        # one for every configuration (package_id), and the option only decides the requirement.
        copy(self, "*.hpp", os.path.join(self.source_folder, "include"), os.path.join(self.package_folder, "include"))
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        # share/ holds cmake/dynmargin (our config files), pkgconfig/dynmargin.pc and
        # doc/dynmargin/LICENSE. CMakeDeps and PkgConfigDeps generate the config and .pc files
        # from package_info(), pointing at Conan's Eigen and Boost; ours, if found first (a
        # consumer's CMAKE_PREFIX_PATH or PKG_CONFIG_PATH on the package folder), would look
        # for them on the system instead. ConanCenter rejects packaged config and .pc files for
        # that reason, and mp-units' recipe deletes its own. The licence is in licenses/.
        rmdir(self, os.path.join(self.package_folder, "share"))

    def package_id(self):
        # Header-only: one package for every configuration.
        self.info.clear()

    def package_info(self):
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        self.cpp_info.set_property("cmake_file_name", "dynmargin")
        self.cpp_info.set_property("pkg_config_name", "dynmargin")
        core = self.cpp_info.components["core"]
        core.bindirs = []
        core.libdirs = []
        core.set_property("cmake_target_name", "dynmargin::dynmargin")
        core.requires = ["eigen::eigen", "boost::headers"]
        # portfolio/many_accounts.hpp uses std::thread.
        if self.settings.os in ("Linux", "FreeBSD"):
            core.system_libs = ["pthread"]
        if self.options.runtime:
            runtime = self.cpp_info.components["runtime"]
            runtime.bindirs = []
            runtime.libdirs = []
            runtime.set_property("cmake_target_name", "dynmargin::runtime")
            runtime.requires = ["core", "nlohmann_json::nlohmann_json"]
        # CMakeDeps targets do not carry the cxx_std_20 compile feature of our CMake target,
        # so consumers must ask for C++20 themselves (validate() enforces it; test_package
        # shows how: target_compile_features(... cxx_std_20)).
