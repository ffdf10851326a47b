# Install rules and CPack settings; included last from the top-level CMakeLists.txt.
# scripts/package.sh builds the packages: a .deb always, an .rpm where rpmbuild is available.

set(TXPULSE_APP_ID io.github.txpulse.txpulse)

install(TARGETS txpulse txpulse-replay RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Desktop integration
install(FILES ${PROJECT_SOURCE_DIR}/resources/${TXPULSE_APP_ID}.desktop
        DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
install(FILES ${PROJECT_SOURCE_DIR}/resources/${TXPULSE_APP_ID}.metainfo.xml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
if(EXISTS ${PROJECT_SOURCE_DIR}/resources/icons/txpulse.svg)
    install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/txpulse.svg
            DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps RENAME ${TXPULSE_APP_ID}.svg)
endif()
foreach(size 16 24 32 48 64 128 256 512)
    set(png ${PROJECT_SOURCE_DIR}/resources/icons/txpulse-${size}.png)
    if(EXISTS ${png})
        install(FILES ${png} DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps
                RENAME ${TXPULSE_APP_ID}.png)
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
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

# CPack
set(CPACK_PACKAGE_NAME txpulse)
set(CPACK_PACKAGE_VENDOR "The txpulse developers")
set(CPACK_PACKAGE_CONTACT "The txpulse developers <txpulse@users.noreply.github.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "live Bitcoin mempool charts, Kafka events, Redis aggregates and REST API")
set(CPACK_PACKAGE_DESCRIPTION
"txpulse follows blockchain.com's live feed of unconfirmed Bitcoin transactions and shows
transactions per minute, the addresses that received the most value over the last three
hours and the latest transactions, as live charts and a local REST API. It runs
standalone, or as a pipeline that writes every transaction to Kafka and keeps exact,
rebuildable aggregates in Redis, as a desktop application or a headless service.")
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
# Qt loads its platform plugin at run time, which shlibdeps cannot see.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-qpa-plugins")
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
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION /etc /lib /lib/systemd /lib/systemd/system
    /usr/share/icons /usr/share/icons/hicolor /usr/share/metainfo /usr/share/man /usr/share/man/man1)
set(CPACK_RPM_USER_FILELIST "%config(noreplace) /etc/txpulse/txpulse.conf")

set(CPACK_GENERATOR DEB)
find_program(RPMBUILD_EXECUTABLE rpmbuild)
if(RPMBUILD_EXECUTABLE)
    list(APPEND CPACK_GENERATOR RPM)
endif()

include(CPack)
