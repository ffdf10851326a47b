# Install rules and CPack settings; included last from the top-level CMakeLists.txt.
# scripts/package.sh builds the packages: a .deb always, an .rpm where rpmbuild is available.

set(TXPULSE_APP_ID io.github.txpulse.txpulse)

install(TARGETS txpulse txpulse-replay RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# Like dh_strip: drop the compiler's .comment section from the installed binaries (lintian:
# binary-has-unneeded-section). Runs after the strip of CPACK_STRIP_FILES / `cmake --install --strip`.
if(CMAKE_OBJCOPY)
    foreach(program txpulse txpulse-replay)
        install(CODE "execute_process(COMMAND \"${CMAKE_OBJCOPY}\" --remove-section=.comment
            \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/${program}\" COMMAND_ERROR_IS_FATAL ANY)")
    endforeach()
endif()

# Desktop integration
install(FILES ${PROJECT_SOURCE_DIR}/resources/${TXPULSE_APP_ID}.desktop
        DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
install(FILES ${PROJECT_SOURCE_DIR}/resources/${TXPULSE_APP_ID}.metainfo.xml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
# Icons: resources/icons/txpulse.svg and its PNG renders txpulse-<size>.png (resources/render_icons.cpp),
# installed under the application id so the desktop entry's Icon= key finds them.
install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/txpulse.svg
        DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps RENAME ${TXPULSE_APP_ID}.svg)
foreach(size 16 24 32 48 64 128 256 512)
    set(png ${PROJECT_SOURCE_DIR}/resources/icons/txpulse-${size}.png)
    if(EXISTS ${png})
        install(FILES ${png} DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps
                RENAME ${TXPULSE_APP_ID}.png)
    else()
        message(WARNING "${png} is missing: the package will lack the ${size}x${size} icon "
                        "(render it with the txpulse_render_icons target, see resources/CMakeLists.txt)")
    endif()
endforeach()

# Man pages, compressed as Debian policy wants them (reproducibly: no name, no timestamp).
find_program(GZIP_EXECUTABLE gzip REQUIRED)
foreach(page txpulse.1 txpulse-replay.1)
    add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/man/${page}.gz
        COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/man
        COMMAND ${GZIP_EXECUTABLE} -9 -n -c ${PROJECT_SOURCE_DIR}/packaging/man/${page} > ${CMAKE_CURRENT_BINARY_DIR}/man/${page}.gz
        DEPENDS ${PROJECT_SOURCE_DIR}/packaging/man/${page}
        VERBATIM)
    list(APPEND txpulse_man_pages ${CMAKE_CURRENT_BINARY_DIR}/man/${page}.gz)
endforeach()
add_custom_target(txpulse_man ALL DEPENDS ${txpulse_man_pages})
install(FILES ${txpulse_man_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# Headless service
install(FILES ${PROJECT_SOURCE_DIR}/packaging/txpulse.conf DESTINATION /etc/txpulse)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/txpulse.service DESTINATION lib/systemd/system)
# Scale-out (issue 11): one unit per role, txpulse@ingest|aggregate|view, each reading /etc/txpulse/<role>.conf.
install(FILES ${PROJECT_SOURCE_DIR}/packaging/txpulse@.service DESTINATION lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/docs/deploy.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

# Debian policy files in /usr/share/doc/txpulse: a machine-readable copyright file and a compressed
# changelog.Debian.gz (the package version carries a Debian revision, so it is not a "native" package).
# Both are generated here because CPack, unlike debhelper, does not write them.
# string(TIMESTAMP) honours SOURCE_DATE_EPOCH, so a reproducible build gets a fixed changelog date.
string(TIMESTAMP txpulse_changelog_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/doc/copyright
"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: txpulse
Source: ${PROJECT_HOMEPAGE_URL}

Files: *
Copyright: 2026 The txpulse developers
License: MIT
 Permission is hereby granted, free of charge, to any person obtaining a copy
 of this software and associated documentation files (the \"Software\"), to deal
 in the Software without restriction, including without limitation the rights
 to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
 copies of the Software, and to permit persons to whom the Software is
 furnished to do so, subject to the following conditions:
 .
 The above copyright notice and this permission notice shall be included in
 all copies or substantial portions of the Software.
 .
 THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
 AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
 LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
 OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
 THE SOFTWARE.
")
set(TXPULSE_DEBIAN_RELEASE 1)
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/doc/changelog.Debian
"txpulse (${PROJECT_VERSION}-${TXPULSE_DEBIAN_RELEASE}) unstable; urgency=medium

  * Package built with CPack from the txpulse ${PROJECT_VERSION} sources.

 -- The txpulse developers <txpulse@users.noreply.github.com>  ${txpulse_changelog_date}
")
add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/doc/changelog.Debian.gz
    COMMAND ${GZIP_EXECUTABLE} -9 -n -c ${CMAKE_CURRENT_BINARY_DIR}/doc/changelog.Debian
            > ${CMAKE_CURRENT_BINARY_DIR}/doc/changelog.Debian.gz
    DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/doc/changelog.Debian
    VERBATIM)
add_custom_target(txpulse_changelog ALL DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/doc/changelog.Debian.gz)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/doc/copyright ${CMAKE_CURRENT_BINARY_DIR}/doc/changelog.Debian.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
# The lintian tags that remain, each with its reason (packaging/debian/lintian-overrides).
install(FILES ${PROJECT_SOURCE_DIR}/packaging/debian/lintian-overrides
        DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME txpulse)

# CPack
set(CPACK_PACKAGE_NAME txpulse)
set(CPACK_PACKAGE_VENDOR "The txpulse developers")
set(CPACK_PACKAGE_CONTACT "The txpulse developers <txpulse@users.noreply.github.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "live Bitcoin mempool charts, Kafka events, Redis aggregates and REST API")
# Wrapped below 80 columns: dpkg shows the extended description as is (lintian:
# extended-description-line-too-long).
set(CPACK_PACKAGE_DESCRIPTION
"txpulse follows blockchain.com's live feed of unconfirmed Bitcoin
transactions and shows transactions per minute, the addresses that received
the most value over the last three hours and the latest transactions, as live
charts and a local REST API. It runs standalone, or as a pipeline that writes
every transaction to Kafka and keeps exact, rebuildable aggregates in Redis,
as a desktop application or a headless service.")
set(CPACK_PACKAGE_HOMEPAGE_URL "${PROJECT_HOMEPAGE_URL}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_INSTALL_DIRECTORY txpulse)
set(CPACK_STRIP_FILES ON)
set(CPACK_SOURCE_IGNORE_FILES "/build.*/;/\\\\.git/;/\\\\.cache/")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${TXPULSE_DEBIAN_RELEASE})
# Qt loads some of what it needs as plugins at run time, which shlibdeps cannot see:
# - qt6-qpa-plugins: the xcb/wayland/offscreen platform plugins of the desktop window;
# - libqt6svg6: the SVG icon engine and image format plugins (the window icon is an SVG resource); the
#   binaries do not link libQt6Svg, so shlibdeps does not list it;
# - libqt6network6: ships the TLS backend plugins (tls/libqopensslbackend.so) needed for wss:// and
#   depends on libssl3 itself, so the shlibdeps entry for libqt6network6 already covers TLS.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-qpa-plugins, libqt6svg6 (>= 6.4)")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "redis-server, kcat")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_PACKAGE_LICENSE MIT)
set(CPACK_RPM_PACKAGE_GROUP "Applications/Internet")
set(CPACK_RPM_PACKAGE_AUTOREQ ON)
# Directories owned by the distribution's filesystem/hicolor/systemd packages: the .rpm must not claim them.
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION /etc /lib /lib/systemd /lib/systemd/system
    /usr/lib/systemd /usr/lib/systemd/system /usr/share/applications
    /usr/share/icons /usr/share/icons/hicolor /usr/share/metainfo /usr/share/man /usr/share/man/man1)
foreach(size 16x16 24x24 32x32 48x48 64x64 128x128 256x256 512x512 scalable)
    list(APPEND CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION
        /usr/share/icons/hicolor/${size} /usr/share/icons/hicolor/${size}/apps)
endforeach()
set(CPACK_RPM_USER_FILELIST "%config(noreplace) /etc/txpulse/txpulse.conf")

set(CPACK_GENERATOR DEB)
find_program(RPMBUILD_EXECUTABLE rpmbuild)
if(RPMBUILD_EXECUTABLE)
    list(APPEND CPACK_GENERATOR RPM)
endif()

include(CPack)
