"""Page speed: Core Web Vitals of the pages, and the conversions a slow page costs."""
