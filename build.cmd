@echo off
rem Bootstrap on Windows, as build.sh does: the pinned SDK, Cake, the pipeline library, then the graph.
setlocal
cd /d "%~dp0"
set DOTNET_CLI_TELEMETRY_OPTOUT=1
set DOTNET_NOLOGO=1
set DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if exist ".dotnet\dotnet.exe" set "DOTNET_ROOT=%CD%\.dotnet" & set "PATH=%CD%\.dotnet;%PATH%"
dotnet --version >nul 2>&1
if errorlevel 1 (
  echo The .NET SDK pinned in global.json is not installed; installing it into .dotnet\ with the official install script.
  powershell -NoProfile -ExecutionPolicy Bypass -Command "try { Invoke-WebRequest https://dot.net/v1/dotnet-install.ps1 -OutFile .dotnet-install.ps1 } catch { exit 1 }"
  if errorlevel 1 (
    echo error: the .NET SDK pinned in global.json is missing and cannot be downloaded; install it from https://dotnet.microsoft.com/download and run again. 1>&2
    exit /b 1
  )
  powershell -NoProfile -ExecutionPolicy Bypass -File .dotnet-install.ps1 -JSonFile global.json -InstallDir .dotnet -NoPath
  del .dotnet-install.ps1
  set "DOTNET_ROOT=%CD%\.dotnet"
  set "PATH=%CD%\.dotnet;%PATH%"
)

dotnet tool restore >nul
if errorlevel 1 (
  echo error: 'dotnet tool restore' could not restore cake.tool ^(.config\dotnet-tools.json^); check access to NuGet and run again. 1>&2
  exit /b 1
)

dotnet build build\Pipeline\Pipeline.csproj --configuration Release --output build\bin --nologo -v q
if errorlevel 1 (
  echo error: the pipeline library ^(build\Pipeline^) does not compile; fix the errors above and run again. 1>&2
  exit /b 1
)

set "FIRST=%~1"
if not "%FIRST%"=="" if not "%FIRST:~0,1%"=="-" (
  shift
  goto :withtarget
)
dotnet cake build\build.cake %*
exit /b %ERRORLEVEL%

:withtarget
set "REST="
:collect
if "%~1"=="" goto :run
set "REST=%REST% %1"
shift
goto :collect
:run
dotnet cake build\build.cake --target=%FIRST% %REST%
exit /b %ERRORLEVEL%
