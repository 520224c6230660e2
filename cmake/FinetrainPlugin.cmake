# ft_add_plugin(NAME KIND SOURCES src... [LIBRARIES lib...] [PRECOMPILE_HEADERS hdr...] [OUTPUT_DIR dir]
#               [NO_INSTALL])
#
# Builds a finetrain plugin. KIND is one of model, trainer, backend, attention, tokenizer
# and only names the file; the manifest inside the sources declares the real kind.
#   FT_PLUGINS_DL=ON  : a MODULE library  <out>/ft_<KIND>_<NAME>.so with hidden visibility and a
#                       version script exporting only the tier-0 entry symbols (FT-ABI rules),
#                       installed to <prefix>/<libdir>/finetrain/plugins with RPATH $ORIGIN/../..
#                       (the libdir holding libfinetrain_sdk).
#   FT_PLUGINS_DL=OFF : a static library linked into the host; entry symbols get the plugin id as
#                       suffix so that several plugins can live in one executable.
# PRECOMPILE_HEADERS (e.g. <torch/nn/module.h>) are parsed once for all SOURCES: LibTorch headers
# dominate a plugin's compile time.
# This file is also installed with the SDK, so out-of-tree plugins use the same function:
#   find_package(finetrain_sdk REQUIRED)
#   ft_add_plugin(my-model model SOURCES plugin.cpp ...)
include_guard(GLOBAL)
set(FT_PLUGIN_EXPORTS_MAP ${CMAKE_CURRENT_LIST_DIR}/plugin_exports.map)

# Out of tree: warns at configure time when this build would produce a plugin whose fingerprint the
# installed host refuses (compiler, NDEBUG). The C++ standard is set on the target instead.
function(_ft_check_plugin_toolchain)
  get_property(done GLOBAL PROPERTY _FT_PLUGIN_TOOLCHAIN_CHECKED)
  if(done OR NOT DEFINED finetrain_sdk_CXX_COMPILER_ID)
    return()
  endif()
  set_property(GLOBAL PROPERTY _FT_PLUGIN_TOOLCHAIN_CHECKED ON)
  string(REGEX MATCH "^[0-9]+" major "${CMAKE_CXX_COMPILER_VERSION}")
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL finetrain_sdk_CXX_COMPILER_ID OR NOT major STREQUAL finetrain_sdk_CXX_COMPILER_MAJOR)
    message(WARNING "finetrain: the SDK was built with ${finetrain_sdk_CXX_COMPILER_ID} ${finetrain_sdk_CXX_COMPILER_MAJOR}, "
                    "this build uses ${CMAKE_CXX_COMPILER_ID} ${major}: the host will refuse these plugins "
                    "(fingerprint field 'compiler'). Configure with the SDK's compiler.")
  endif()
  if(NOT finetrain_sdk_NDEBUG STREQUAL "" AND NOT CMAKE_CONFIGURATION_TYPES)
    string(TOUPPER "${CMAKE_BUILD_TYPE}" config)
    if(CMAKE_CXX_FLAGS_${config} MATCHES "-DNDEBUG")
      set(ndebug ON)
    else()
      set(ndebug OFF)
    endif()
    if(NOT ndebug STREQUAL finetrain_sdk_NDEBUG)
      message(WARNING "finetrain: NDEBUG is ${ndebug} for build type '${CMAKE_BUILD_TYPE}' but ${finetrain_sdk_NDEBUG} "
                      "in the SDK: the host will refuse these plugins (fingerprint field 'ndebug'). "
                      "Use -DCMAKE_BUILD_TYPE=Release or RelWithDebInfo for an SDK built with NDEBUG, Debug otherwise.")
    endif()
  endif()
endfunction()

function(ft_add_plugin name kind)
  cmake_parse_arguments(P "NO_INSTALL" "OUTPUT_DIR" "SOURCES;LIBRARIES;PRECOMPILE_HEADERS" ${ARGN})
  if(NOT P_SOURCES)
    message(FATAL_ERROR "ft_add_plugin(${name}): SOURCES is required")
  endif()
  string(MAKE_C_IDENTIFIER "${name}" plugin_id)
  set(target ft_${kind}_${plugin_id})
  if(NOT DEFINED FT_PLUGINS_DL)
    set(FT_PLUGINS_DL ON)
  endif()

  if(FT_PLUGINS_DL)
    add_library(${target} MODULE ${P_SOURCES})
    set(out_dir "${P_OUTPUT_DIR}")
    if(NOT out_dir)
      if(FT_PLUGIN_OUTPUT_DIR)
        set(out_dir ${FT_PLUGIN_OUTPUT_DIR})
      else()
        set(out_dir ${CMAKE_CURRENT_BINARY_DIR})
      endif()
    endif()
    set_target_properties(${target} PROPERTIES
      PREFIX ""
      LIBRARY_OUTPUT_DIRECTORY ${out_dir}
      C_VISIBILITY_PRESET hidden
      CXX_VISIBILITY_PRESET hidden
      VISIBILITY_INLINES_HIDDEN ON
      LINK_DEPENDS ${FT_PLUGIN_EXPORTS_MAP})
    target_link_options(${target} PRIVATE
      "LINKER:--version-script=${FT_PLUGIN_EXPORTS_MAP}" "LINKER:-z,defs")
    # In tree the top level names the plugin dir; out of tree the SDK package does (same layout).
    if(FT_PLUGIN_INSTALL_DIR)
      set(install_dir ${FT_PLUGIN_INSTALL_DIR})
    else()
      set(install_dir ${finetrain_sdk_PLUGIN_INSTALL_DIR})
    endif()
    # <libdir>/finetrain/plugins/../.. is the libdir holding libfinetrain_sdk; LibTorch outside the
    # system directories (and, out of tree, the SDK's own libdir) is added from the link path.
    set_target_properties(${target} PROPERTIES INSTALL_RPATH "$ORIGIN/../.." INSTALL_RPATH_USE_LINK_PATH ON)
    if(NOT P_NO_INSTALL AND install_dir)
      install(TARGETS ${target} LIBRARY DESTINATION ${install_dir})
    endif()
  else()
    add_library(${target} STATIC ${P_SOURCES})
    target_compile_definitions(${target} PRIVATE FT_PLUGIN_STATIC_ID=${plugin_id})
    set_property(GLOBAL APPEND PROPERTY FT_STATIC_PLUGINS "${plugin_id}")
    set_property(GLOBAL APPEND PROPERTY FT_STATIC_PLUGIN_TARGETS "${target}")
  endif()
  # The C++ standard is part of the fingerprint: exactly the SDK's, never a newer one.
  if(DEFINED finetrain_sdk_CXX_STANDARD)
    set(cxx_standard ${finetrain_sdk_CXX_STANDARD})
  else()
    set(cxx_standard ${CMAKE_CXX_STANDARD})
  endif()
  set_target_properties(${target} PROPERTIES CXX_STANDARD ${cxx_standard} CXX_STANDARD_REQUIRED ON CXX_EXTENSIONS OFF)
  _ft_check_plugin_toolchain()
  if(P_PRECOMPILE_HEADERS)
    target_precompile_headers(${target} PRIVATE ${P_PRECOMPILE_HEADERS})
  endif()
  target_link_libraries(${target} PRIVATE finetrain::sdk ${P_LIBRARIES})
  if(TARGET ft_warnings)
    target_link_libraries(${target} PRIVATE ft_warnings)
  endif()
  set(FT_LAST_PLUGIN_TARGET ${target} PARENT_SCOPE)
endfunction()

# Links every plugin built with FT_PLUGINS_DL=OFF into `target` and generates the table the host
# walks at start-up instead of a plugin directory.
function(ft_link_static_plugins target)
  if(FT_PLUGINS_DL)
    return()
  endif()
  get_property(ids GLOBAL PROPERTY FT_STATIC_PLUGINS)
  get_property(libs GLOBAL PROPERTY FT_STATIC_PLUGIN_TARGETS)
  set(decls "")
  set(rows "")
  foreach(id IN LISTS ids)
    string(APPEND decls "extern \"C\" const ft_manifest ft_plugin_manifest_${id};\n")
    string(APPEND decls "extern \"C\" ft_status* ft_plugin_negotiate_${id}(uint16_t, uint16_t, uint16_t*, uint16_t*);\n")
    string(APPEND decls "extern \"C\" ft_status* ft_plugin_init_${id}(const ft_host_api*);\n")
    string(APPEND rows "    {\"${id}\", &ft_plugin_manifest_${id}, &ft_plugin_negotiate_${id}, &ft_plugin_init_${id}},\n")
  endforeach()
  set(out ${CMAKE_BINARY_DIR}/generated/static_plugin_table.cpp)
  file(CONFIGURE OUTPUT ${out} CONTENT [=[
// Generated by ft_link_static_plugins(): plugins linked into the host (FT_PLUGINS_DL=OFF).
#include "plugin_host/static_plugins.hpp"
@decls@
namespace finetrain::host {
const std::vector<StaticPlugin>& static_plugins() {
  static const std::vector<StaticPlugin> table = {
@rows@  };
  return table;
}
}  // namespace finetrain::host
]=] @ONLY)
  target_sources(${target} PRIVATE ${out})
  target_link_libraries(${target} PUBLIC ${libs})
endfunction()
